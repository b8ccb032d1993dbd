package contracts

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Query paths under /contracts/.
const (
	QueryParams   = "params"   // params -> Params
	QueryList     = "list"     // list -> []Contract
	QueryCluster  = "cluster"  // cluster/<cluster id> -> []Contract
	QueryContract = "contract" // contract/<id> -> Contract
	QueryCode     = "code"     // code/<hash>[/source] -> CodeView
	QueryResult   = "result"   // result/<id>/<input> -> Result
	QueryRoots    = "roots"    // roots/<id>/<input> -> RootReport
	QueryDiverged = "diverged" // diverged/<id> -> []Divergence
	QueryUpload   = "upload"   // upload/<address> -> Upload (a chunked upload in progress)

	// querySource, after a code hash, asks for the code itself.
	querySource = "source"
)

// CodeView is the answer to a code query: the record and, when asked for,
// the code itself.
type CodeView struct {
	Code
	Source string `json:"source,omitempty"`
}

func queryPath(parts ...string) string { return "/" + Name + "/" + strings.Join(parts, "/") }

// ParamsPath is the query path of the module parameters.
func ParamsPath() string { return queryPath(QueryParams) }

// ListPath is the query path of every contract, in creation order.
func ListPath() string { return queryPath(QueryList) }

// ClusterContractsPath is the query path of a cluster's contracts.
func ClusterContractsPath(cluster [32]byte) string {
	return queryPath(QueryCluster, hex.EncodeToString(cluster[:]))
}

// ContractPath is the query path of a contract record.
func ContractPath(id [32]byte) string { return queryPath(QueryContract, hex.EncodeToString(id[:])) }

// CodePath is the query path of a stored code's record.
func CodePath(hash [32]byte) string { return queryPath(QueryCode, hex.EncodeToString(hash[:])) }

// CodeSourcePath is the query path of a stored code's record with the code.
func CodeSourcePath(hash [32]byte) string { return CodePath(hash) + "/" + querySource }

// ResultPath is the query path of the result of one input of a contract.
func ResultPath(id [32]byte, input uint64) string {
	return queryPath(QueryResult, hex.EncodeToString(id[:]), strconv.FormatUint(input, 10))
}

// RootsPath is the query path of the state-root tally of one input.
func RootsPath(id [32]byte, input uint64) string {
	return queryPath(QueryRoots, hex.EncodeToString(id[:]), strconv.FormatUint(input, 10))
}

// DivergedPath is the query path of a contract's divergences.
func DivergedPath(id [32]byte) string { return queryPath(QueryDiverged, hex.EncodeToString(id[:])) }

// UploadPath is the query path of an account's chunked upload in progress.
func UploadPath(uploader address.Address) string { return queryPath(QueryUpload, uploader.String()) }

// query answers the paths above.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	parts := strings.Split(path, "/")
	head, n := parts[0], len(parts)
	switch {
	case path == QueryParams:
		return json.Marshal(m.Params(kv))
	case path == QueryList:
		return json.Marshal(m.records(kv, m.List(kv)))
	case n == 2 && head == QueryCluster:
		cid, err := module.ParseHash(parts[1], "cluster")
		if err != nil {
			return nil, err
		}
		return json.Marshal(m.records(kv, m.ClusterContracts(kv, cid)))
	case n == 2 && head == QueryContract:
		return m.queryContract(kv, parts[1])
	case (n == 2 || n == 3 && parts[2] == querySource) && head == QueryCode:
		return m.queryCode(kv, parts[1], n == 3)
	case n == 3 && (head == QueryResult || head == QueryRoots):
		return m.queryInput(kv, head, parts[1], parts[2])
	case n == 2 && head == QueryDiverged:
		id, err := module.ParseHash(parts[1], "contract")
		if err != nil {
			return nil, err
		}
		return json.Marshal(m.Diverged(kv, id))
	case n == 2 && head == QueryUpload:
		a, err := address.Parse(parts[1])
		if err != nil {
			return nil, fmt.Errorf("%w: uploader: %v", tx.ErrNotFound, err)
		}
		up, ok := m.upload(kv, a)
		if !ok {
			return nil, fmt.Errorf("%w: no upload in progress for %s", tx.ErrNotFound, a)
		}
		return json.Marshal(up)
	}
	return nil, fmt.Errorf("%w: query path /contracts/%s", tx.ErrNotFound, path)
}

// records reads the contracts with the given ids.
func (m *Module) records(kv state.KV, ids [][32]byte) []Contract {
	out := []Contract{}
	for _, id := range ids {
		c, _ := m.Contract(kv, id)
		out = append(out, c)
	}
	return out
}

func (m *Module) queryContract(kv state.KV, arg string) ([]byte, error) {
	c, err := module.LookupHash(arg, "contract", ErrUnknownContract, func(id [32]byte) (Contract, bool) {
		return m.Contract(kv, id)
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

func (m *Module) queryCode(kv state.KV, arg string, source bool) ([]byte, error) {
	h, err := module.ParseHash(arg, "code hash")
	if err != nil {
		return nil, err
	}
	info, ok := m.CodeInfo(kv, h)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownCode, arg)
	}
	v := CodeView{Code: info}
	if source {
		v.Source = string(m.Source(kv, h))
	}
	return json.Marshal(v)
}

// queryInput answers result/<id>/<input> and roots/<id>/<input>.
func (m *Module) queryInput(kv state.KV, head, arg, input string) ([]byte, error) {
	id, err := module.ParseHash(arg, "contract")
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(input, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: input number %q", tx.ErrNotFound, input)
	}
	if head == QueryResult {
		r, ok := m.Result(kv, id, n)
		if !ok && n < m.Pruned(kv, id) {
			return nil, fmt.Errorf("%w: the result of input %d of %s is pruned (results stay retain_result_blocks after they land)", tx.ErrNotFound, n, arg)
		}
		if !ok {
			return nil, fmt.Errorf("%w: no result for input %d of %s yet", tx.ErrNotFound, n, arg)
		}
		return json.Marshal(r)
	}
	r, ok := m.Roots(kv, id, n)
	if !ok {
		return nil, fmt.Errorf("%w: no state roots for input %d of %s", tx.ErrNotFound, n, arg)
	}
	return json.Marshal(r)
}
