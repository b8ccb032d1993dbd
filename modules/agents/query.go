package agents

import (
	"encoding/hex"
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
	QueryHold    = "hold"    // hold/<address>/<worker id> -> Hold
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
	// Held is the part of Balance workers' holds set aside for calls
	// being served; only the rest can be withdrawn.
	Held pha.Amount `json:"held"`
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

// HoldPath is the query path of a worker's hold on a caller's escrow.
func HoldPath(caller address.Address, worker [32]byte) string {
	return queryPath(QueryHold, "/"+caller.String()+"/"+hex.EncodeToString(worker[:]))
}

// query answers the paths above.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Rest(QueryParams, func(string) (any, error) { return m.Params(kv), nil }),
		module.Rest(QueryList, func(string) (any, error) { return m.views(kv), nil }),
		module.Rest(QueryAgent, func(rest string) (any, error) {
			return module.LookupHash(rest, "agent id", ErrUnknownAgent, func(id [32]byte) (AgentView, bool) { return m.View(kv, id) })
		}),
		module.Rest(QueryEscrow, func(rest string) (any, error) { return m.queryEscrow(kv, rest) }),
		module.Rest(QueryAPIKey, func(rest string) (any, error) {
			return module.LookupHash(rest, "key hash", ErrUnknownAPIKey, func(h [32]byte) (APIKey, bool) { return m.APIKey(kv, h) })
		}),
		module.Rest(QueryReceipt, func(rest string) (any, error) { return m.queryReceipt(kv, rest) }),
		module.Rest(QueryHold, func(rest string) (any, error) { return m.queryHold(kv, rest) }),
	})
}

// views lists every agent, in creation order.
func (m *Module) views(kv state.KV) []AgentView {
	out := []AgentView{}
	for _, id := range m.List(kv) {
		v, _ := m.View(kv, id)
		out = append(out, v)
	}
	return out
}

// queryEscrow answers escrow/<address>.
func (m *Module) queryEscrow(kv state.KV, rest string) (EscrowView, error) {
	a, err := address.Parse(rest)
	if err != nil {
		return EscrowView{}, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
	}
	return EscrowView{Account: a, Balance: m.Escrow(kv, a), Held: m.Held(kv, a)}, nil
}

// queryHold answers hold/<address>/<worker id>.
func (m *Module) queryHold(kv state.KV, rest string) (Hold, error) {
	who, wid, _ := strings.Cut(rest, "/")
	a, err := address.Parse(who)
	if err != nil {
		return Hold{}, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
	}
	w, err := module.ParseHash(wid, "worker id")
	if err != nil {
		return Hold{}, err
	}
	h, ok := m.Hold(kv, a, w)
	if !ok {
		return Hold{}, fmt.Errorf("%w: worker %s holds none of %s's escrow", tx.ErrNotFound, wid, who)
	}
	return h, nil
}

// queryReceipt answers receipt/<id>.
func (m *Module) queryReceipt(kv state.KV, rest string) (ReceiptView, error) {
	id, err := module.ParseHash(rest, "receipt id")
	if err != nil {
		return ReceiptView{}, err
	}
	at, ok := m.ReceiptForgetAt(kv, id)
	if !ok {
		return ReceiptView{}, fmt.Errorf("%w: receipt %s is not remembered (never settled, or its window has passed)", tx.ErrNotFound, rest)
	}
	return ReceiptView{Request: id[:], ForgetAt: at}, nil
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
