package agents

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/agentio"
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
// agent's X25519 key (an encoded envelope, purpose agent-secret). Base,
// when set, is the SHA-256 of the sealed secrets the envelope was merged
// from (agentio.SecretsBase): the chain stores it only while those are
// still the agent's, so two merges racing cannot drop each other's change.
type MsgSetSecrets struct {
	Agent    [32]byte
	Envelope []byte
	Base     []byte
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

func (*MsgSetSecrets) Type() string { return TypeSetSecrets }
func (m *MsgSetSecrets) Encode(w *wire.Writer) {
	w.Raw(m.Agent[:])
	w.VarBytes(m.Envelope)
	w.VarBytes(m.Base)
}
func (m *MsgSetSecrets) ValidateBasic() error {
	if len(m.Base) != 0 && len(m.Base) != sha256.Size {
		return fmt.Errorf("%w: secrets base is %d bytes, want none or %d", tx.ErrMalformed, len(m.Base), sha256.Size)
	}
	return nil
}

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

func decodeDeploy(r *wire.Reader) tx.Msg {
	return &MsgDeploy{Code: r.Bytes32(), Cluster: r.Bytes32(), Policy: decodePolicy(r), Price: r.Amount()}
}

func decodeUpgrade(r *wire.Reader) tx.Msg { return &MsgUpgrade{Agent: r.Bytes32(), Code: r.Bytes32()} }

func decodeSetPaused(r *wire.Reader) tx.Msg {
	return &MsgSetPaused{Agent: r.Bytes32(), Paused: r.Bool()}
}

func decodeSetPolicy(r *wire.Reader) tx.Msg {
	return &MsgSetPolicy{Agent: r.Bytes32(), Policy: decodePolicy(r)}
}

func decodeSetPrice(r *wire.Reader) tx.Msg {
	return &MsgSetPrice{Agent: r.Bytes32(), Price: r.Amount()}
}

func decodeTransfer(r *wire.Reader) tx.Msg {
	return &MsgTransfer{Agent: r.Bytes32(), NewOwner: r.Address()}
}

func decodeSetSecrets(r *wire.Reader) tx.Msg {
	m := &MsgSetSecrets{Agent: r.Bytes32(), Envelope: append([]byte(nil), r.VarBytes(decodeLimit)...)}
	if base := r.VarBytes(sha256.Size); len(base) > 0 {
		m.Base = append([]byte(nil), base...)
	}
	return m
}

func decodeDeposit(r *wire.Reader) tx.Msg { return &MsgDeposit{Amount: r.Amount()} }

func decodeWithdraw(r *wire.Reader) tx.Msg { return &MsgDeposit{Amount: r.Amount(), Withdraw: true} }

func decodeRegisterKey(r *wire.Reader) tx.Msg {
	return &MsgRegisterKey{Hash: r.Bytes32(), Agent: r.Bytes32(), Expires: int64(r.Uvarint())}
}

func decodeRevokeKey(r *wire.Reader) tx.Msg { return &MsgRevokeKey{Hash: r.Bytes32()} }

// TopicReceipts (worker origin): a batch of usage receipts of calls the
// worker's enclave served.
const TopicReceipts = "agents/receipts"

// MaxReceipts bounds one batch: 96 signed receipts (about 300 bytes
// each) fit in one mq message.
const MaxReceipts = 96

// Receipt backings: what shows the caller asked for the call.
const (
	// BackingSigned: the caller's signed request (agentio.SignedRequest),
	// which the chain verifies again.
	BackingSigned byte = 1
	// BackingAPIKey: a registered API key (by its hash) and the request's
	// content hash.
	BackingAPIKey byte = 2
)

// Receipt is one served hop of a call as the enclave saw it.
type Receipt struct {
	// Agent is the agent this hop ran; zero for a direct AI-router call.
	Agent [32]byte
	// Root is the agent the caller's request named (Agent for the call
	// itself, the first agent for the hops it made with agents.call).
	Root [32]byte
	// Hop numbers the hops of one call: 0 for the call itself, then 1, 2,
	// ... for each agents.call in the order they were made, siblings and
	// their children alike, so no two hops share an id.
	Hop    uint32
	Caller address.Address
	// Epoch is the cluster key epoch the worker served under.
	Epoch uint64
	// Request is the receipt's id, settled at most once: HopID of the
	// signed request's id and Hop for a signed call, or the worker's id of
	// an API-key call.
	Request [32]byte
	// Backing is BackingSigned (Signed is set) or BackingAPIKey (APIKey
	// and RequestHash are).
	Backing     byte
	Signed      agentio.SignedRequest
	APIKey      [32]byte
	RequestHash [32]byte
	// Tokens and Requests are the LLM tokens and outbound requests this
	// hop used itself (a child hop bills its own).
	Tokens   uint64
	Requests uint64
	// Issued is when the call was made, in Unix milliseconds: the signed
	// request's timestamp, or the worker's clock for an API-key call. The
	// chain keeps a receipt's id only while Issued is inside the receipt
	// window, and refuses a receipt outside it, so the ids it must
	// remember stay bounded.
	Issued int64
}

// HopID is the receipt id of hop n of a call whose id is base.
func HopID(base [32]byte, hop uint32) [32]byte {
	if hop == 0 {
		return base
	}
	w := wire.NewWriter(64)
	w.Raw([]byte("phala/agent-hop/v2\x00"))
	w.Raw(base[:])
	w.Uvarint(uint64(hop))
	return sha256.Sum256(w.Bytes())
}

// EncodeReceipts writes a batch.
func EncodeReceipts(rs []Receipt) []byte {
	w := wire.NewWriter(8 + len(rs)*300)
	w.Uvarint(uint64(len(rs)))
	for _, r := range rs {
		w.Raw(r.Agent[:])
		w.Raw(r.Root[:])
		w.Uvarint(uint64(r.Hop))
		w.Address(r.Caller)
		w.Uvarint(r.Epoch)
		w.Raw(r.Request[:])
		w.Uvarint(uint64(r.Backing))
		switch r.Backing {
		case BackingSigned:
			w.VarBytes(r.Signed.Caller)
			w.Raw(r.Signed.Worker[:])
			w.Raw(r.Signed.Request[:])
			w.Uvarint(uint64(r.Signed.Timestamp))
			w.VarBytes(r.Signed.Signature)
		case BackingAPIKey:
			w.Raw(r.APIKey[:])
			w.Raw(r.RequestHash[:])
		}
		w.Uvarint(r.Tokens)
		w.Uvarint(r.Requests)
		w.Uvarint(uint64(r.Issued))
	}
	return w.Bytes()
}

// DecodeReceipts reads a batch.
func DecodeReceipts(b []byte) ([]Receipt, error) {
	r := wire.NewReader(b)
	n := r.Uvarint()
	if r.Err() == nil && (n == 0 || n > MaxReceipts) {
		r.Fail("%d receipts, want 1 to %d", n, MaxReceipts)
	}
	var out []Receipt
	for i := uint64(0); r.Err() == nil && i < n; i++ {
		out = append(out, decodeReceipt(r, i))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	return out, nil
}

// decodeReceipt reads receipt i of a batch.
func decodeReceipt(r *wire.Reader, i uint64) Receipt {
	var rc Receipt
	rc.Agent, rc.Root = r.Bytes32(), r.Bytes32()
	hop := r.Uvarint()
	if hop > math.MaxUint32 {
		r.Fail("receipt %d: hop %d", i, hop)
	}
	rc.Hop = uint32(hop)
	rc.Caller = r.Address()
	rc.Epoch = r.Uvarint()
	rc.Request = r.Bytes32()
	kind := r.Uvarint()
	switch {
	case kind == uint64(BackingSigned):
		rc.Backing = BackingSigned
		rc.Signed.Caller = append([]byte(nil), r.VarBytes(64)...)
		rc.Signed.Worker, rc.Signed.Request = r.Bytes32(), r.Bytes32()
		rc.Signed.Timestamp = int64(r.Uvarint())
		rc.Signed.Signature = append([]byte(nil), r.VarBytes(128)...)
	case kind == uint64(BackingAPIKey):
		rc.Backing = BackingAPIKey
		rc.APIKey, rc.RequestHash = r.Bytes32(), r.Bytes32()
	case r.Err() == nil:
		r.Fail("receipt %d: backing %d, want 1 (signed) or 2 (API key)", i, kind)
	}
	rc.Tokens = r.Uvarint()
	rc.Requests = r.Uvarint()
	issued := r.Uvarint()
	if issued > math.MaxInt64 || rc.Signed.Timestamp < 0 {
		r.Fail("receipt %d issued at %d ms", i, issued)
	}
	rc.Issued = int64(issued)
	return rc
}

// TopicHold (worker origin): a worker asks for a hold on a caller's
// escrow (EncodeHoldRequest). The chain adds to the worker's hold the
// least of what it asks and the escrow no hold sets aside, and extends
// the hold by the params' HoldBlocks.
const TopicHold = "agents/hold"

// HoldRequest is the body of a TopicHold message.
type HoldRequest struct {
	Caller address.Address
	Amount pha.Amount
	// Nonce numbers the worker's requests; the chain records the last it
	// answered in the Hold.
	Nonce uint64
}

// EncodeHoldRequest writes a TopicHold payload.
func EncodeHoldRequest(h HoldRequest) []byte {
	w := wire.NewWriter(64)
	w.Address(h.Caller)
	w.Amount(h.Amount)
	w.Uvarint(h.Nonce)
	return w.Bytes()
}

// decodeHoldRequest reads a TopicHold payload.
func decodeHoldRequest(b []byte) (HoldRequest, error) {
	r := wire.NewReader(b)
	h := HoldRequest{Caller: r.Address(), Amount: r.Amount(), Nonce: r.Uvarint()}
	return h, r.Done()
}

// TopicSecrets (worker origin): an agent id, the cluster epoch, and the
// agent's secrets sealed again to its key of that epoch. When the agent's
// key moves to a new epoch (a member removed, a master-key rotation), a
// member that holds both keys re-seals the owner's secrets, so the secrets
// follow the key and a removed worker's old key opens nothing new.
const TopicSecrets = "agents/secrets"

// EncodeReseal writes a TopicSecrets payload.
func EncodeReseal(agent [32]byte, epoch uint64, env []byte) []byte {
	w := wire.NewWriter(48 + len(env))
	w.Raw(agent[:])
	w.Uvarint(epoch)
	w.VarBytes(env)
	return w.Bytes()
}

// reseal is the body of a TopicSecrets message.
type reseal struct {
	agent    [32]byte
	epoch    uint64
	envelope []byte
}

// decodeReseal reads a TopicSecrets payload whose envelope is at most
// limit bytes.
func decodeReseal(b []byte, limit int) (reseal, error) {
	r := wire.NewReader(b)
	p := reseal{agent: r.Bytes32(), epoch: r.Uvarint(), envelope: append([]byte(nil), r.VarBytes(limit)...)}
	return p, r.Done()
}
