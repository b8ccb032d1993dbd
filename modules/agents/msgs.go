package agents

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Message types of the agents module.
const (
	TypeDeploy      = "agents/deploy"
	TypeUpgrade     = "agents/upgrade"
	TypeSetPaused   = "agents/set_paused"
	TypeSetPolicy   = "agents/set_policy"
	TypeSetPrice    = "agents/set_price"
	TypeTransfer    = "agents/transfer"
	TypeSetSecrets  = "agents/set_secrets"
	TypeDeposit     = "agents/deposit"
	TypeWithdraw    = "agents/withdraw"
	TypeRegisterKey = "agents/register_key"
	TypeRevokeKey   = "agents/revoke_key"
)

const decodeLimit = tx.MaxDecodeSize

// MsgDeploy creates an agent from stored code in a cluster.
type MsgDeploy struct {
	Code    [32]byte
	Cluster [32]byte
	Policy  Policy
	Price   pha.Amount
}

// MsgUpgrade points an agent at new stored code.
type MsgUpgrade struct{ Agent, Code [32]byte }

// MsgSetPaused pauses (true) or resumes (false) an agent.
type MsgSetPaused struct {
	Agent  [32]byte
	Paused bool
}

// MsgSetPolicy replaces an agent's access policy.
type MsgSetPolicy struct {
	Agent  [32]byte
	Policy Policy
}

// MsgSetPrice sets an agent's price per call.
type MsgSetPrice struct {
	Agent [32]byte
	Price pha.Amount
}

// MsgTransfer hands an agent to a new owner.
type MsgTransfer struct {
	Agent    [32]byte
	NewOwner address.Address
}

// MsgSetSecrets stores the agent's secrets, sealed client side to the
// agent's X25519 key (an encoded envelope, purpose agent-secret).
type MsgSetSecrets struct {
	Agent    [32]byte
	Envelope []byte
}

// MsgDeposit moves PHA from the sender into its escrow for agent calls;
// MsgWithdraw moves it back.
type MsgDeposit struct {
	Amount   pha.Amount
	Withdraw bool
}

// MsgRegisterKey registers an API key by its SHA-256, for the sender's
// account, optionally limited to one agent, until a height (0: no expiry).
type MsgRegisterKey struct {
	Hash    [32]byte
	Agent   [32]byte
	Expires int64
}

// MsgRevokeKey removes an API key.
type MsgRevokeKey struct{ Hash [32]byte }

func encodePolicy(w *wire.Writer, p Policy) {
	raw, _ := json.Marshal(p)
	w.VarBytes(raw)
}

func decodePolicy(r *wire.Reader) Policy {
	var p Policy
	raw := r.VarBytes(decodeLimit)
	if r.Err() == nil && json.Unmarshal(raw, &p) != nil {
		r.Fail("policy is not JSON")
	}
	return p
}

// Type, Encode and ValidateBasic implement tx.Msg for each message.

func (*MsgDeploy) Type() string { return TypeDeploy }
func (m *MsgDeploy) Encode(w *wire.Writer) {
	w.Raw(m.Code[:])
	w.Raw(m.Cluster[:])
	encodePolicy(w, m.Policy)
	w.Amount(m.Price)
}
func (m *MsgDeploy) ValidateBasic() error { return m.Policy.validate() }

func (*MsgUpgrade) Type() string            { return TypeUpgrade }
func (m *MsgUpgrade) Encode(w *wire.Writer) { w.Raw(m.Agent[:]); w.Raw(m.Code[:]) }
func (*MsgUpgrade) ValidateBasic() error    { return nil }

func (*MsgSetPaused) Type() string            { return TypeSetPaused }
func (m *MsgSetPaused) Encode(w *wire.Writer) { w.Raw(m.Agent[:]); w.Bool(m.Paused) }
func (*MsgSetPaused) ValidateBasic() error    { return nil }

func (*MsgSetPolicy) Type() string { return TypeSetPolicy }
func (m *MsgSetPolicy) Encode(w *wire.Writer) {
	w.Raw(m.Agent[:])
	encodePolicy(w, m.Policy)
}
func (m *MsgSetPolicy) ValidateBasic() error { return m.Policy.validate() }

func (*MsgSetPrice) Type() string            { return TypeSetPrice }
func (m *MsgSetPrice) Encode(w *wire.Writer) { w.Raw(m.Agent[:]); w.Amount(m.Price) }
func (*MsgSetPrice) ValidateBasic() error    { return nil }

func (*MsgTransfer) Type() string            { return TypeTransfer }
func (m *MsgTransfer) Encode(w *wire.Writer) { w.Raw(m.Agent[:]); w.Address(m.NewOwner) }
func (m *MsgTransfer) ValidateBasic() error {
	if m.NewOwner.IsZero() {
		return fmt.Errorf("%w: empty new owner", tx.ErrMalformed)
	}
	return nil
}

func (*MsgSetSecrets) Type() string            { return TypeSetSecrets }
func (m *MsgSetSecrets) Encode(w *wire.Writer) { w.Raw(m.Agent[:]); w.VarBytes(m.Envelope) }
func (*MsgSetSecrets) ValidateBasic() error    { return nil }

func (m *MsgDeposit) Type() string {
	if m.Withdraw {
		return TypeWithdraw
	}
	return TypeDeposit
}
func (m *MsgDeposit) Encode(w *wire.Writer) { w.Amount(m.Amount) }
func (m *MsgDeposit) ValidateBasic() error {
	if m.Amount.IsZero() {
		return ErrZeroAmount
	}
	return nil
}

func (*MsgRegisterKey) Type() string { return TypeRegisterKey }
func (m *MsgRegisterKey) Encode(w *wire.Writer) {
	w.Raw(m.Hash[:])
	w.Raw(m.Agent[:])
	w.Uvarint(uint64(m.Expires))
}
func (*MsgRegisterKey) ValidateBasic() error { return nil }

func (*MsgRevokeKey) Type() string            { return TypeRevokeKey }
func (m *MsgRevokeKey) Encode(w *wire.Writer) { w.Raw(m.Hash[:]) }
func (*MsgRevokeKey) ValidateBasic() error    { return nil }

func raw32(r *wire.Reader) (b [32]byte) { copy(b[:], r.Raw(32)); return }

func registerMsgs(reg *tx.Registry) {
	reg.Register(TypeDeploy, func(r *wire.Reader) tx.Msg {
		return &MsgDeploy{Code: raw32(r), Cluster: raw32(r), Policy: decodePolicy(r), Price: r.Amount()}
	})
	reg.Register(TypeUpgrade, func(r *wire.Reader) tx.Msg { return &MsgUpgrade{Agent: raw32(r), Code: raw32(r)} })
	reg.Register(TypeSetPaused, func(r *wire.Reader) tx.Msg { return &MsgSetPaused{Agent: raw32(r), Paused: r.Bool()} })
	reg.Register(TypeSetPolicy, func(r *wire.Reader) tx.Msg { return &MsgSetPolicy{Agent: raw32(r), Policy: decodePolicy(r)} })
	reg.Register(TypeSetPrice, func(r *wire.Reader) tx.Msg { return &MsgSetPrice{Agent: raw32(r), Price: r.Amount()} })
	reg.Register(TypeTransfer, func(r *wire.Reader) tx.Msg { return &MsgTransfer{Agent: raw32(r), NewOwner: r.Address()} })
	reg.Register(TypeSetSecrets, func(r *wire.Reader) tx.Msg {
		return &MsgSetSecrets{Agent: raw32(r), Envelope: append([]byte(nil), r.VarBytes(decodeLimit)...)}
	})
	reg.Register(TypeDeposit, func(r *wire.Reader) tx.Msg { return &MsgDeposit{Amount: r.Amount()} })
	reg.Register(TypeWithdraw, func(r *wire.Reader) tx.Msg { return &MsgDeposit{Amount: r.Amount(), Withdraw: true} })
	reg.Register(TypeRegisterKey, func(r *wire.Reader) tx.Msg {
		return &MsgRegisterKey{Hash: raw32(r), Agent: raw32(r), Expires: int64(r.Uvarint())}
	})
	reg.Register(TypeRevokeKey, func(r *wire.Reader) tx.Msg { return &MsgRevokeKey{Hash: raw32(r)} })
}

// validate checks a policy's form.
func (p Policy) validate() error {
	switch p.Kind {
	case PolicyOwner, PolicyPublic:
		if len(p.Allow) != 0 || len(p.Contract) != 0 {
			return fmt.Errorf("%w: %s takes no allow list or contract", ErrBadPolicy, p.Kind)
		}
	case PolicyAllowList:
		if len(p.Allow) == 0 || len(p.Allow) > 256 {
			return fmt.Errorf("%w: an allow list needs 1 to 256 accounts", ErrBadPolicy)
		}
	case PolicyContract:
		if len(p.Contract) != 32 {
			return fmt.Errorf("%w: a contract policy names a 32-byte contract id", ErrBadPolicy)
		}
	default:
		return fmt.Errorf("%w: kind %q, want owner, allowlist, public or contract", ErrBadPolicy, p.Kind)
	}
	return nil
}

// Allows reports whether the policy lets caller call an agent owned by
// owner; a contract policy needs its contract asked and is false here.
func (p Policy) Allows(owner, caller address.Address) bool {
	if caller == owner {
		return true
	}
	switch p.Kind {
	case PolicyPublic:
		return true
	case PolicyAllowList:
		for _, a := range p.Allow {
			if a == caller {
				return true
			}
		}
	}
	return false
}
