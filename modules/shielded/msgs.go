package shielded

import (
	"crypto/sha256"
	"fmt"
	"math"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
)

// Message types of the shielded module; anyone may send them.
const (
	TypeShield   = "shielded/shield"
	TypeTransfer = "shielded/transfer"
	TypeUnshield = "shielded/unshield"
)

// Hash is a 32-byte field element as the chain carries it (big-endian).
type Hash = [32]byte

// MsgShield moves Amount of the sender's PHA into the pool as one note with
// Commitment, sealed to its owner in Ciphertext.
type MsgShield struct {
	Amount     pha.Amount
	Commitment Hash
	Ciphertext []byte
	Proof      []byte
}

// MsgTransfer spends the notes behind Nullifiers (in the tree at Root) into
// two new notes; Fee goes from the pool to Relayer, usually the sender. The
// proof binds Relayer, so whoever copies the message from the mempool
// cannot take the fee.
type MsgTransfer struct {
	Root        Hash
	Nullifiers  [2]Hash
	Commitments [2]Hash
	Ciphertexts [2][]byte
	Fee         pha.Amount
	Relayer     address.Address
	Proof       []byte
}

// MsgUnshield spends the notes behind Nullifiers into Amount paid to
// Recipient, Fee paid to Relayer and a change note.
type MsgUnshield struct {
	Root             Hash
	Nullifiers       [2]Hash
	Change           Hash
	ChangeCiphertext []byte
	Amount           pha.Amount
	Fee              pha.Amount
	Recipient        address.Address
	Relayer          address.Address
	Proof            []byte
}

// Type implements tx.Msg.
func (*MsgShield) Type() string { return TypeShield }

// Type implements tx.Msg.
func (*MsgTransfer) Type() string { return TypeTransfer }

// Type implements tx.Msg.
func (*MsgUnshield) Type() string { return TypeUnshield }

// Encode implements tx.Msg: the bound fields, then the proof.
func (m *MsgShield) Encode(w *wire.Writer) { m.encodeBound(w); w.Raw(m.Proof) }

// Encode implements tx.Msg: the bound fields, then the proof.
func (m *MsgTransfer) Encode(w *wire.Writer) { m.encodeBound(w); w.Raw(m.Proof) }

// Encode implements tx.Msg: the bound fields, then the proof.
func (m *MsgUnshield) Encode(w *wire.Writer) { m.encodeBound(w); w.Raw(m.Proof) }

// encodeBound writes amount, commitment, ciphertext.
func (m *MsgShield) encodeBound(w *wire.Writer) {
	w.Amount(m.Amount)
	w.Raw(m.Commitment[:])
	w.Raw(m.Ciphertext)
}

// encodeBound writes root, nullifiers, commitments, ciphertexts, fee,
// relayer.
func (m *MsgTransfer) encodeBound(w *wire.Writer) {
	encodeSpent(w, m.Root, m.Nullifiers)
	for i := range 2 {
		w.Raw(m.Commitments[i][:])
	}
	for i := range 2 {
		w.Raw(m.Ciphertexts[i])
	}
	w.Amount(m.Fee)
	w.Address(m.Relayer)
}

// encodeBound writes root, nullifiers, change, its ciphertext, amount, fee,
// recipient, relayer.
func (m *MsgUnshield) encodeBound(w *wire.Writer) {
	encodeSpent(w, m.Root, m.Nullifiers)
	w.Raw(m.Change[:])
	w.Raw(m.ChangeCiphertext)
	w.Amount(m.Amount)
	w.Amount(m.Fee)
	w.Address(m.Recipient)
	w.Address(m.Relayer)
}

// encodeSpent writes what every spend starts with: the root its notes are
// proven against, then their two nullifiers.
func encodeSpent(w *wire.Writer, root Hash, nfs [2]Hash) {
	w.Raw(root[:])
	for _, nf := range nfs {
		w.Raw(nf[:])
	}
}

// decodeSpent reads what encodeSpent writes.
func decodeSpent(r *wire.Reader) (root Hash, nfs [2]Hash) {
	root = r.Bytes32()
	for i := range nfs {
		nfs[i] = r.Bytes32()
	}
	return root, nfs
}

func decodeShield(r *wire.Reader) tx.Msg {
	m := &MsgShield{Amount: r.Amount(), Commitment: r.Bytes32()}
	m.Ciphertext = r.Raw(note.CiphertextSize)
	m.Proof = r.Raw(circuit.ProofSize)
	return m
}

func decodeTransfer(r *wire.Reader) tx.Msg {
	m := &MsgTransfer{}
	m.Root, m.Nullifiers = decodeSpent(r)
	for i := range 2 {
		m.Commitments[i] = r.Bytes32()
	}
	for i := range 2 {
		m.Ciphertexts[i] = r.Raw(note.CiphertextSize)
	}
	m.Fee, m.Relayer = r.Amount(), r.Address()
	m.Proof = r.Raw(circuit.ProofSize)
	return m
}

func decodeUnshield(r *wire.Reader) tx.Msg {
	m := &MsgUnshield{}
	m.Root, m.Nullifiers = decodeSpent(r)
	m.Change = r.Bytes32()
	m.ChangeCiphertext = r.Raw(note.CiphertextSize)
	m.Amount, m.Fee = r.Amount(), r.Amount()
	m.Recipient, m.Relayer = r.Address(), r.Address()
	m.Proof = r.Raw(circuit.ProofSize)
	return m
}

// ValidateBasic implements tx.Msg: sizes, amounts and field elements.
func (m *MsgShield) ValidateBasic() error {
	if m.Amount.IsZero() {
		return fmt.Errorf("%w: shield amount is zero", ErrBadAmount)
	}
	_, err := m.PublicInputs()
	return err
}

// ValidateBasic implements tx.Msg.
func (m *MsgTransfer) ValidateBasic() error {
	if err := distinct(m.Nullifiers); err != nil {
		return err
	}
	_, err := m.PublicInputs()
	return err
}

// distinct refuses a message that spends one note twice.
func distinct(nfs [2]Hash) error {
	if nfs[0] == nfs[1] {
		return fmt.Errorf("%w: both inputs have nullifier %x", ErrDoubleSpend, nfs[0])
	}
	return nil
}

// ValidateBasic implements tx.Msg.
func (m *MsgUnshield) ValidateBasic() error {
	if err := distinct(m.Nullifiers); err != nil {
		return err
	}
	if m.Amount.IsZero() {
		return fmt.Errorf("%w: unshield amount is zero", ErrBadAmount)
	}
	_, err := m.PublicInputs()
	return err
}

// PublicInputs are the shield circuit's public inputs: amount,
// commitment, binding of the message.
func (m *MsgShield) PublicInputs() ([]fr.Element, error) {
	if err := sizes(m.Proof, m.Ciphertext); err != nil {
		return nil, err
	}
	var in inputs
	in.amount(m.Amount)
	in.hash(m.Commitment)
	return in.done(m)
}

// PublicInputs are the transfer circuit's: root, nullifiers, commitments,
// fee, binding.
func (m *MsgTransfer) PublicInputs() ([]fr.Element, error) {
	if err := sizes(m.Proof, m.Ciphertexts[0], m.Ciphertexts[1]); err != nil {
		return nil, err
	}
	var in inputs
	in.hash(m.Root, m.Nullifiers[0], m.Nullifiers[1], m.Commitments[0], m.Commitments[1])
	in.amount(m.Fee)
	return in.done(m)
}

// PublicInputs are the unshield circuit's: root, nullifiers, change,
// amount, fee, binding.
func (m *MsgUnshield) PublicInputs() ([]fr.Element, error) {
	if err := sizes(m.Proof, m.ChangeCiphertext); err != nil {
		return nil, err
	}
	var in inputs
	in.hash(m.Root, m.Nullifiers[0], m.Nullifiers[1], m.Change)
	in.amount(m.Amount, m.Fee)
	return in.done(m)
}

// inputs collects public inputs in circuit order, keeping the first error.
type inputs struct {
	out []fr.Element
	err error
}

// hash appends 32-byte elements, refusing non-canonical encodings (which
// would let two byte strings name one nullifier).
func (in *inputs) hash(hs ...Hash) {
	for i := range hs {
		e, err := circuit.FromBytes(hs[i][:])
		if err != nil && in.err == nil {
			in.err = fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		in.out = append(in.out, e)
	}
}

// amount appends amounts, refusing any over 64 bits.
func (in *inputs) amount(as ...pha.Amount) {
	for _, a := range as {
		v, err := Uint64(a)
		if err != nil && in.err == nil {
			in.err = err
		}
		in.out = append(in.out, circuit.FromUint64(v))
	}
}

// done appends the binding of m and returns the inputs.
func (in *inputs) done(m bound) ([]fr.Element, error) {
	if in.err != nil {
		return nil, in.err
	}
	return append(in.out, Bind(m)), nil
}

// bound is a message whose fields other than the proof are bound into it.
type bound interface {
	tx.Msg
	encodeBound(w *wire.Writer)
}

// Bind is the public input that ties the proof to every other field of the
// message (ciphertexts, recipient): SHA-256 of the type and those fields,
// reduced into the field. A relayer who changes any of them breaks the proof.
func Bind(m bound) fr.Element {
	var w wire.Writer
	w.String(m.Type())
	m.encodeBound(&w)
	sum := sha256.Sum256(w.Bytes())
	return circuit.Reduce(sum[:])
}

// sizes checks the proof and ciphertext lengths.
func sizes(proof []byte, cts ...[]byte) error {
	if len(proof) != circuit.ProofSize {
		return fmt.Errorf("%w: proof is %d bytes, want %d", ErrMalformed, len(proof), circuit.ProofSize)
	}
	for _, ct := range cts {
		if len(ct) != note.CiphertextSize {
			return fmt.Errorf("%w: sealed note is %d bytes, want %d", ErrMalformed, len(ct), note.CiphertextSize)
		}
	}
	return nil
}

// Uint64 is a as a note value, refused above 64 bits.
func Uint64(a pha.Amount) (uint64, error) {
	u := a.Uint128()
	if u.Hi != 0 {
		return 0, fmt.Errorf("%w: %s is over %d base units", ErrBadAmount, a, uint64(math.MaxUint64))
	}
	return u.Lo, nil
}

// Topics of the setup ceremony: gatekeepers post them through their
// outbox, signed by their enclave identity.
const (
	// TopicContribution: ContributionMsg.
	TopicContribution = "shielded/ceremony_contribution"
	// TopicVote: VoteMsg.
	TopicVote = "shielded/ceremony_vote"
	// TopicKey: KeyMsg.
	TopicKey = "shielded/ceremony_key"
)

// maxName bounds a circuit name; maxReason a refusal's reason.
const (
	maxName   = 64
	maxReason = 512
)

// ContributionMsg announces a contribution: the stage it belongs to
// (phase, and circuit in phase 2), its slot, the hash of the state it
// extends (zero for the stage's first) and of the new state.
type ContributionMsg struct {
	Phase   uint8
	Circuit string
	Slot    uint32
	Prev    Hash
	Hash    Hash
}

// Encode is the message's payload.
func (m ContributionMsg) Encode() []byte {
	w := wire.NewWriter(80)
	w.Byte(m.Phase)
	w.String(m.Circuit)
	w.Uvarint(uint64(m.Slot))
	w.Raw(m.Prev[:])
	w.Raw(m.Hash[:])
	return w.Bytes()
}

// DecodeContributionMsg reads a ContributionMsg payload.
func DecodeContributionMsg(b []byte) (ContributionMsg, error) {
	r := wire.NewReader(b)
	m := ContributionMsg{Phase: r.Byte(), Circuit: r.String(maxName)}
	slot := r.Uvarint()
	m.Prev, m.Hash = r.Bytes32(), r.Bytes32()
	var err error
	m.Slot, err = endSlotMsg(r, "contribution", slot)
	return m, err
}

// endSlotMsg ends the decoding of a ceremony message about a slot: all of
// r read, and the slot within 32 bits. Each refusal says which failed.
func endSlotMsg(r *wire.Reader, what string, slot uint64) (uint32, error) {
	if err := r.Done(); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if slot > math.MaxUint32 {
		return 0, fmt.Errorf("%w: %s: slot %d is over 2^32-1", ErrMalformed, what, slot)
	}
	return uint32(slot), nil
}

// VoteMsg is a contributor's verification of the contribution with Hash
// in a stage's slot: OK, or refused with the check that failed.
type VoteMsg struct {
	Phase   uint8
	Circuit string
	Slot    uint32
	Hash    Hash
	OK      bool
	Reason  string
}

// Encode is the message's payload.
func (m VoteMsg) Encode() []byte {
	w := wire.NewWriter(64 + len(m.Reason))
	w.Byte(m.Phase)
	w.String(m.Circuit)
	w.Uvarint(uint64(m.Slot))
	w.Raw(m.Hash[:])
	w.Bool(m.OK)
	w.String(m.Reason)
	return w.Bytes()
}

// DecodeVoteMsg reads a VoteMsg payload.
func DecodeVoteMsg(b []byte) (VoteMsg, error) {
	r := wire.NewReader(b)
	m := VoteMsg{Phase: r.Byte(), Circuit: r.String(maxName)}
	slot := r.Uvarint()
	m.Hash, m.OK, m.Reason = r.Bytes32(), r.Bool(), r.String(maxReason)
	var err error
	m.Slot, err = endSlotMsg(r, "vote", slot)
	return m, err
}

// KeyMsg is the verifying key a contributor derived for Circuit from the
// finished transcript (gnark's compressed encoding).
type KeyMsg struct {
	Circuit string
	VK      []byte
}

// Encode is the message's payload.
func (m KeyMsg) Encode() []byte {
	w := wire.NewWriter(16 + len(m.VK))
	w.String(m.Circuit)
	w.VarBytes(m.VK)
	return w.Bytes()
}

// DecodeKeyMsg reads a KeyMsg payload.
func DecodeKeyMsg(b []byte) (KeyMsg, error) {
	r := wire.NewReader(b)
	m := KeyMsg{Circuit: r.String(maxName), VK: r.VarBytes(len(b))}
	if err := r.Done(); err != nil {
		return m, fmt.Errorf("%w: key: %v", ErrMalformed, err)
	}
	return m, nil
}
