package keys

import (
	"crypto/sha256"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/pha"
)

// TypeAddGatekeeper is the message type of MsgAddGatekeeper.
const TypeAddGatekeeper = "keys/add_gatekeeper"

// MsgAddGatekeeper makes a registered worker a gatekeeper. Only the key
// authority may send it: a placeholder account named in genesis until the
// DAO governs the gatekeeper set.
type MsgAddGatekeeper struct {
	Worker [32]byte
}

// Type implements tx.Msg.
func (m *MsgAddGatekeeper) Type() string { return TypeAddGatekeeper }

// Encode implements tx.Msg.
func (m *MsgAddGatekeeper) Encode(w *wire.Writer) { w.Raw(m.Worker[:]) }

// ValidateBasic implements tx.Msg.
func (m *MsgAddGatekeeper) ValidateBasic() error { return nil }

func decodeAddGatekeeper(r *wire.Reader) tx.Msg {
	m := &MsgAddGatekeeper{}
	copy(m.Worker[:], r.Raw(32))
	return m
}

// TypeRotate is the message type of MsgRotate.
const TypeRotate = "keys/rotate"

// MsgRotate asks for a master-key rotation now. Only the key authority may
// send it until the DAO does.
type MsgRotate struct{}

// Type implements tx.Msg.
func (*MsgRotate) Type() string { return TypeRotate }

// Encode implements tx.Msg: an empty body.
func (*MsgRotate) Encode(*wire.Writer) {}

// ValidateBasic implements tx.Msg.
func (*MsgRotate) ValidateBasic() error { return nil }

func decodeRotate(*wire.Reader) tx.Msg { return &MsgRotate{} }

// Message types of the gatekeeper bond.
const (
	TypeBond   = "keys/bond"
	TypeUnbond = "keys/unbond"
)

// MsgBond moves Amount from the sender into the bond of gatekeeper
// Gatekeeper, where it counts toward the gatekeeper's election. Only the
// operator in the gatekeeper's worker record may send it.
type MsgBond struct {
	Gatekeeper [32]byte
	Amount     pha.Amount
}

// Type implements tx.Msg.
func (*MsgBond) Type() string { return TypeBond }

// Encode implements tx.Msg: the gatekeeper id (32), then the 16-byte
// amount.
func (m *MsgBond) Encode(w *wire.Writer) {
	w.Raw(m.Gatekeeper[:])
	w.Amount(m.Amount)
}

// ValidateBasic implements tx.Msg.
func (m *MsgBond) ValidateBasic() error {
	if m.Amount.IsZero() {
		return fmt.Errorf("%w: got zero", ErrZeroAmount)
	}
	return nil
}

// MsgUnbond takes Amount out of gatekeeper Gatekeeper's bond: it stops
// counting toward the election at once and returns to the operator
// unbond_delay blocks later. Only the operator that bonded may send it.
// It has MsgBond's fields, layout and checks.
type MsgUnbond MsgBond

// Type implements tx.Msg.
func (*MsgUnbond) Type() string { return TypeUnbond }

// Encode implements tx.Msg: as MsgBond.
func (m *MsgUnbond) Encode(w *wire.Writer) { (*MsgBond)(m).Encode(w) }

// ValidateBasic implements tx.Msg: as MsgBond.
func (m *MsgUnbond) ValidateBasic() error { return (*MsgBond)(m).ValidateBasic() }

// decodeBond reads the layout MsgBond and MsgUnbond share, as an M: one
// decoder for both types.
func decodeBond[M ~struct {
	Gatekeeper [32]byte
	Amount     pha.Amount
}, P interface {
	*M
	tx.Msg
}](r *wire.Reader) tx.Msg {
	var m MsgBond
	copy(m.Gatekeeper[:], r.Raw(32))
	m.Amount = r.Amount()
	v := M(m)
	return P(&v)
}

// Topics of the keys module. Worker-to-chain topics come from gatekeeper
// enclaves; chain-to-worker ones reach a gatekeeper's inbox.
const (
	// TopicMasterPubKey (first gatekeeper to chain): generation uvarint,
	// ed25519 public key (32), X25519 public key (32).
	TopicMasterPubKey = "keys/master_pubkey"
	// TopicShare (holding gatekeeper to chain, then chain to the new
	// gatekeeper): recipient worker id (32), then an envelope holding the
	// master key history, encrypted to the recipient's ECDH key.
	TopicShare = "keys/share"
	// TopicConfirm (new gatekeeper to chain): generation uvarint, then a
	// history proof: for every generation 0..generation, in order, a
	// signature by that generation's master key over ConfirmSignBytes for
	// generation, proving it holds the whole history, not just the key.
	TopicConfirm = "keys/confirm"
	// TopicRejoin (gatekeeper to chain): an empty payload. A gatekeeper
	// that a rotation left out and that lacks the current generation asks
	// for the whole history again; a holder then shares it (TopicShare).
	TopicRejoin = "keys/rejoin"
	// TopicAssigned (chain to worker): the worker became a gatekeeper.
	TopicAssigned = "keys/assigned"
	// TopicKMSKey (holding gatekeeper to chain): worker id (32), the
	// request's ephemeral key (32), then an envelope holding the worker's
	// sealing key, sealed to the ephemeral key (docs/keys.md, "KMS").
	TopicKMSKey = "keys/kms_key"
)

// Rotation topics (gatekeeper to chain; reveals are relayed to members).
const (
	// TopicRotationCommit: round uvarint, commitment (32) =
	// CommitmentOf(chainID, round, member, contribution).
	TopicRotationCommit = "keys/rotation_commit"
	// TopicRotationReveal: round uvarint, then for each other member its id
	// (32) and an envelope holding this member's contribution.
	TopicRotationReveal = "keys/rotation_reveal"
	// TopicRotationPrecommit: round uvarint, commitment (32), for the
	// next round, sent while no rotation runs.
	TopicRotationPrecommit = "keys/rotation_precommit"
	// TopicRotationConfirm: round uvarint, generation uvarint, the new
	// master's ed25519 (32) and X25519 (32) public keys, then a history
	// proof as TopicConfirm's: signatures over ConfirmSignBytes by every
	// generation's key, the new one last.
	TopicRotationConfirm = "keys/rotation_confirm"
	// TopicRotationComplaint: round uvarint, the inbox sequence (uvarint)
	// of a reveal this member received, and that envelope's key (32,
	// envelope.DiscloseKey): it lets the chain open that one reveal and see
	// that it does not hold the contribution its sender committed to.
	TopicRotationComplaint = "keys/rotation_complaint"
)

// PurposeRotationReveal is the envelope purpose of a rotation contribution.
const PurposeRotationReveal = "phala/rotation-reveal"

// ConfirmDomain prefixes what a gatekeeper signs with the master key to
// confirm it holds it.
const ConfirmDomain = "phala/keys/confirm/v1\x00"

// ConfirmSignBytes is what a new gatekeeper signs with the master key.
func ConfirmSignBytes(chainID string, worker [32]byte, generation uint64) []byte {
	w := wire.NewWriter(96)
	w.Raw([]byte(ConfirmDomain))
	w.String(chainID)
	w.Raw(worker[:])
	w.Uvarint(generation)
	return w.Bytes()
}

// CommitmentOf is what a member commits to before anyone reveals.
func CommitmentOf(chainID string, round uint64, member [32]byte, contribution []byte) [32]byte {
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/keys/rotation-commit/v1\x00"))
	w.String(chainID)
	w.Uvarint(round)
	w.Raw(member[:])
	w.Raw(contribution)
	return sha256.Sum256(w.Bytes())
}
