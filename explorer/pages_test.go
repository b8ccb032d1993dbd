package explorer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/explorer"
)

// TestExplorerPagesAndMount: the page and its files are served with a
// strict CSP; / redirects to the explorer only when nothing else serves it.
func TestExplorerPagesAndMount(t *testing.T) {
	ex, err := explorer.New("http://127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Stop()
	mux := http.NewServeMux()
	ex.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/explorer/" {
		t.Fatalf("GET /: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	for path, want := range map[string]string{"/explorer/": "<title>Phala Explorer</title>", "/explorer/app.js": "EventSource", "/explorer/style.css": "@media", "/explorer/favicon.svg": "<svg"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Fatalf("GET %s: %s %q\n%.200s", path, resp.Status, resp.Header.Get("Content-Security-Policy"), b)
		}
		if strings.Contains(string(b), "http://") || strings.Contains(string(b), "https://") {
			if path != "/explorer/favicon.svg" { // the SVG namespace
				t.Errorf("%s refers to another origin", path)
			}
		}
	}
	// The node is unreachable: the API says so, as JSON.
	resp, err = http.Get(srv.URL + "/explorer/api/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status with no node: %s", resp.Status)
	}

	// A mux that serves / keeps it.
	mux2 := http.NewServeMux()
	mux2.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("mine")) })
	ex.Mount(mux2)
	srv2 := httptest.NewServer(mux2)
	defer srv2.Close()
	resp, err = noRedirect.Get(srv2.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "mine" {
		t.Fatalf("GET / on a mux with its own root: %s %q", resp.Status, b)
	}
}
