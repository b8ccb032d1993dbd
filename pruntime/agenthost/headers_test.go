package agenthost

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/phalanetwork/phala/agentio"
)

// TestSignedHeadersAreSent: whatever headers a handler returns, the ones
// the enclave signs are the ones a caller receives through Go's HTTP
// server and client, so a genuine answer always verifies (a handler that
// returns a line break, padding, an invalid name or a phala header cannot
// make the worker's answers fail verification, or forge its headers).
func TestSignedHeadersAreSent(t *testing.T) {
	cases := map[string]map[string]string{
		"none (sniffed)":     {},
		"json":               {"Content-Type": "application/json"},
		"line break":         {"content-type": "text/plain;\r\n charset=utf-8"},
		"padding":            {"content-type": "  text/html  ", "content-language": "\ten"},
		"invalid name":       {"content type": "x", "content-type": "text/plain", "bad\x7fname": "y"},
		"phala header":       {"X-Phala-Answer": "forged", "x-phala-sealed": "1", "content-encoding": "identity"},
		"lower and upper":    {"Content-Language": "de", "accept": "*/*"},
		"non-ascii in value": {"content-type": "text/plain; name=\"é\""},
	}
	body := []byte("<html>hi</html>")
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			signed := normalHeaders(in, body)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range signed { // as worker/agents.go writes them
					w.Header().Set(k, v)
				}
				w.WriteHeader(201)
				w.Write(body)
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if agentio.ResponseHash(201, agentio.HeaderOf(signed), body) != agentio.ResponseHash(resp.StatusCode, resp.Header, got) {
				t.Fatalf("signed %q, received %q", agentio.ContentHeaders(agentio.HeaderOf(signed)), agentio.ContentHeaders(resp.Header))
			}
			if resp.Header.Get(agentio.HeaderAnswer) != "" {
				t.Fatal("a handler's X-Phala-Answer reached the caller")
			}
		})
	}
}
