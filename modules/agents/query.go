package agents

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /agents/.
const (
	QueryParams  = "params"  // params -> Params
	QueryList    = "list"    // list -> []AgentView
	QueryAgent   = "agent"   // agent/<id> -> AgentView
	QueryEscrow  = "escrow"  // escrow/<address> -> EscrowView
	QueryAPIKey  = "apikey"  // apikey/<hex sha256> -> APIKey
	QueryReceipt = "receipt" // receipt/<id> -> ReceiptView (a settled receipt still remembered)
)

// AgentView is an agent with its code and key record, as queries show it.
type AgentView struct {
	Agent
	Cluster  Hex    `json:"cluster"`
	Code     Hex    `json:"code_hash"`
	Versions any    `json:"versions"`
	KeyEpoch uint64 `json:"key_epoch"`
	SignKey  Hex    `json:"sign_pubkey,omitempty"`
	ECDHKey  Hex    `json:"ecdh_pubkey,omitempty"`
}

// EscrowView is an account's escrow.
type EscrowView struct {
	Account address.Address `json:"account"`
	Balance pha.Amount      `json:"balance"`
}

// ReceiptView is what the chain remembers of a settled receipt: its id
// until the Unix millisecond it is forgotten at.
type ReceiptView struct {
	Request  Hex   `json:"request"`
	ForgetAt int64 `json:"forget_at_ms"`
}

func queryPath(head, arg string) string { return "/" + Name + "/" + head + arg }

// ParamsPath is the query path of the module parameters.
func ParamsPath() string { return queryPath(QueryParams, "") }

// ListPath is the query path of every agent, in creation order.
func ListPath() string { return queryPath(QueryList, "") }

// AgentPath is the query path of an agent.
func AgentPath(id [32]byte) string { return queryPath(QueryAgent, "/"+hex.EncodeToString(id[:])) }

// EscrowPath is the query path of an account's escrow.
func EscrowPath(a address.Address) string { return queryPath(QueryEscrow, "/"+a.String()) }

// APIKeyPath is the query path of a registered API key by its SHA-256.
func APIKeyPath(hash [32]byte) string {
	return queryPath(QueryAPIKey, "/"+hex.EncodeToString(hash[:]))
}

// ReceiptPath is the query path of a settled receipt by its id.
func ReceiptPath(id [32]byte) string { return queryPath(QueryReceipt, "/"+hex.EncodeToString(id[:])) }

// query answers the paths above.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case QueryParams:
		return json.Marshal(m.Params(kv))
	case QueryList:
		out := []AgentView{}
		for _, id := range m.List(kv) {
			v, _ := m.View(kv, id)
			out = append(out, v)
		}
		return json.Marshal(out)
	case QueryAgent:
		return lookup(rest, "agent id", ErrUnknownAgent, func(id [32]byte) (AgentView, bool) { return m.View(kv, id) })
	case QueryEscrow:
		a, err := address.Parse(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
		}
		return json.Marshal(EscrowView{Account: a, Balance: m.Escrow(kv, a)})
	case QueryAPIKey:
		return lookup(rest, "key hash", ErrUnknownAPIKey, func(h [32]byte) (APIKey, bool) { return m.APIKey(kv, h) })
	case QueryReceipt:
		id, err := module.ParseHash(rest, "receipt id")
		if err != nil {
			return nil, err
		}
		at, ok := m.ReceiptForgetAt(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: receipt %s is not remembered (never settled, or its window has passed)", tx.ErrNotFound, rest)
		}
		return json.Marshal(ReceiptView{Request: id[:], ForgetAt: at})
	}
	return nil, fmt.Errorf("%w: query path /agents/%s", tx.ErrNotFound, path)
}

// lookup answers a query for the record under a 32-byte hex id, or
// notFound.
func lookup[T any](arg, what string, notFound error, get func([32]byte) (T, bool)) ([]byte, error) {
	v, err := module.LookupHash(arg, what, notFound, get)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// View joins an agent's record with its contracts-module record.
func (m *Module) View(kv state.KV, id [32]byte) (AgentView, bool) {
	a, ok := m.Agent(kv, id)
	if !ok {
		return AgentView{}, false
	}
	c, _ := m.contracts.Contract(kv, id)
	return AgentView{Agent: a, Cluster: c.Cluster, Code: c.Code, Versions: c.Versions, KeyEpoch: c.KeyEpoch, SignKey: c.SignKey, ECDHKey: c.ECDHKey}, true
}
