package agents

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
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

// Query implements module.Module. Paths: "params", "list",
// "agent/<id>", "escrow/<address>", "apikey/<hex sha256>", "receipt/<id>"
// (a settled receipt still remembered).
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case "params":
		return json.Marshal(m.Params(kv))
	case "list":
		out := []AgentView{}
		for _, id := range m.List(kv) {
			v, _ := m.View(kv, id)
			out = append(out, v)
		}
		return json.Marshal(out)
	case "agent":
		id, err := parse32(rest, "agent id")
		if err != nil {
			return nil, err
		}
		v, ok := m.View(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownAgent, rest)
		}
		return json.Marshal(v)
	case "escrow":
		a, err := address.Parse(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
		}
		return json.Marshal(EscrowView{Account: a, Balance: m.Escrow(kv, a)})
	case "apikey":
		h, err := parse32(rest, "key hash")
		if err != nil {
			return nil, err
		}
		k, ok := m.APIKey(kv, h)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownAPIKey, rest)
		}
		return json.Marshal(k)
	case "receipt":
		id, err := parse32(rest, "receipt id")
		if err != nil {
			return nil, err
		}
		raw := kv.Get(state.Key(prefixReceipt, id[:]))
		if len(raw) != 8 {
			return nil, fmt.Errorf("%w: receipt %s is not remembered (never settled, or its window has passed)", tx.ErrNotFound, rest)
		}
		return json.Marshal(ReceiptView{Request: id[:], ForgetAt: int64(binary.BigEndian.Uint64(raw))})
	}
	return nil, fmt.Errorf("%w: query path /agents/%s", tx.ErrNotFound, path)
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

func parse32(s, what string) ([32]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("%w: %s must be 64 hex characters", tx.ErrNotFound, what)
	}
	return [32]byte(b), nil
}
