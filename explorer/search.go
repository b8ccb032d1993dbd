package explorer

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

type searchResult struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Route string `json:"route"`
}

// apiSearch resolves ?q= to a page: a height, an address, a transaction
// hash, or the id of a worker, cluster, contract or agent.
func (e *Explorer) apiSearch(r *http.Request) (any, error) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	found := func(kind, id string) (any, error) {
		return searchResult{Kind: kind, ID: id, Route: "#/" + kind + "/" + id}, nil
	}
	if q == "" {
		return nil, fmt.Errorf("%w: empty search", errBadRequest)
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && n > 0 {
		if _, err := e.block(ctx, n); err != nil {
			return nil, err
		}
		return found("block", strconv.FormatInt(n, 10))
	}
	if strings.HasPrefix(strings.ToLower(q), address.Prefix+"1") {
		a, err := address.Parse(strings.ToLower(q))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNotFound, err)
		}
		return found("account", a.String())
	}
	h := normHex(q)
	if !isHex(h, 32) {
		return nil, fmt.Errorf("%w: search by block height, address (pha1…), transaction hash or a 64-hex id", errNotFound)
	}
	raw, _ := hex.DecodeString(h)
	if _, err := e.c.RPC.Tx(ctx, raw, false); err == nil {
		return found("tx", strings.ToUpper(h))
	}
	var w jsonWorker
	if e.query(ctx, registry.WorkerPath(registry.WorkerID(id32(raw))), &w) == nil {
		return found("worker", h)
	}
	var c jsonCluster
	if e.query(ctx, clusters.ClusterPath(id32(raw)), &c) == nil {
		return found("cluster", h)
	}
	var ct jsonContract
	if e.query(ctx, contracts.ContractPath(id32(raw)), &ct) == nil {
		if ct.Kind == kindAgent {
			return found("agent", h)
		}
		return found("contract", h)
	}
	if bs, err := e.c.RPC.BlockByHash(ctx, raw); err == nil && bs.Block != nil {
		return found("block", strconv.FormatInt(bs.Block.Height, 10))
	}
	return nil, fmt.Errorf("%w: no transaction, block, worker, cluster, contract or agent %s", errNotFound, h)
}
