package explorer_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/phalanetwork/phala/explorer"
)

// TestExplorerEVMUnset: an explorer given no EVM endpoint says so on its
// EVM view instead of failing (the view itself is checked against a real
// dev chain in e2e TestEVMMemberKilled); one whose endpoint does not answer
// reports a bad gateway naming it.
func TestExplorerEVMUnset(t *testing.T) {
	for _, tc := range []struct {
		name, rpc string
		code      int
	}{
		{"no endpoint", "", http.StatusOK},
		{"endpoint down", "http://127.0.0.1:1", http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := explorer.New("http://127.0.0.1:1", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Stop()
			if tc.rpc != "" {
				if err := ex.SetEVM(tc.rpc); err != nil {
					t.Fatal(err)
				}
			}
			srv := httptest.NewServer(ex)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/explorer/api/evm")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v map[string]any
			json.NewDecoder(resp.Body).Decode(&v)
			if resp.StatusCode != tc.code {
				t.Fatalf("GET evm: %s %v, want %d", resp.Status, v, tc.code)
			}
			if tc.code == http.StatusOK && (v["enabled"] != false || v["requests"] == nil) {
				t.Fatalf("evm view without an endpoint: %v", v)
			}
		})
	}
}
