// Package clienttest serves a fake node for tests of the client and of
// what reads the chain through it: the node answers each app query with
// fixed JSON, so a test can feed the readers the malformed answers that a
// faulty or malicious node could send.
package clienttest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
)

// Node starts a fake node and returns its RPC URL. It answers an
// abci_query for a path in answers with that answer's JSON, and any other
// query with an error code; it stops when the test ends.
func Node(t testing.TB, answers map[string]any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req rpctypes.RPCRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var params struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(req.Params, &params); err != nil || req.Method != "abci_query" {
			_ = json.NewEncoder(w).Encode(rpctypes.RPCMethodNotFoundError(req.ID))
			return
		}
		res := abci.ResponseQuery{Code: 1, Codespace: "clienttest", Log: "no answer for " + params.Path, Height: 1}
		if v, ok := answers[params.Path]; ok {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Errorf("answer for %s: %v", params.Path, err)
			}
			res = abci.ResponseQuery{Value: raw, Height: 1}
		}
		_ = json.NewEncoder(w).Encode(rpctypes.NewRPCSuccessResponse(req.ID, &coretypes.ResultABCIQuery{Response: res}))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
