package dao

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/pha"
)

// Message types of the dao module.
const (
	TypeLock    = "dao/lock"
	TypeUnlock  = "dao/unlock"
	TypePropose = "dao/propose"
	TypeVote    = "dao/vote"
)

// Limits on a proposal's text.
const (
	MaxTitleLen  = 256
	MaxActionLen = 16 << 10
)

// MsgLock moves Amount from the sender into the DAO's lock account, where
// it counts as voting weight.
type MsgLock struct{ Amount pha.Amount }

// Type implements tx.Msg.
func (*MsgLock) Type() string { return TypeLock }

// Encode implements tx.Msg: the 16-byte amount.
func (m *MsgLock) Encode(w *wire.Writer) { w.Amount(m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgLock) ValidateBasic() error { return positive(m.Amount) }

// MsgUnlock stops Amount of the sender's locked PHA counting at once; it
// returns to the sender unlock_delay blocks later.
type MsgUnlock struct{ Amount pha.Amount }

// Type implements tx.Msg.
func (*MsgUnlock) Type() string { return TypeUnlock }

// Encode implements tx.Msg: the 16-byte amount.
func (m *MsgUnlock) Encode(w *wire.Writer) { w.Amount(m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgUnlock) ValidateBasic() error { return positive(m.Amount) }

func positive(a pha.Amount) error {
	if a.IsZero() {
		return fmt.Errorf("%w: got zero", ErrZeroAmount)
	}
	return nil
}

// MsgPropose opens a proposal: Deposit (at least min_deposit) moves from
// the sender to the deposit account; voting runs for voting_period blocks.
type MsgPropose struct {
	Title   string
	Deposit pha.Amount
	Action  Action
}

// Type implements tx.Msg.
func (*MsgPropose) Type() string { return TypePropose }

// Encode implements tx.Msg: the title (uvarint length, UTF-8), the 16-byte
// deposit, then the action as JSON (uvarint length, bytes).
func (m *MsgPropose) Encode(w *wire.Writer) {
	w.String(m.Title)
	w.Amount(m.Deposit)
	raw, _ := json.Marshal(m.Action) // fixed struct: cannot fail
	w.VarBytes(raw)
}

// ValidateBasic implements tx.Msg: the title's length and the action's
// shape (whether it applies is checked against state when proposed).
func (m *MsgPropose) ValidateBasic() error {
	if len(m.Title) == 0 || len(m.Title) > MaxTitleLen {
		return fmt.Errorf("%w: title must be 1 to %d bytes", ErrBadAction, MaxTitleLen)
	}
	return m.Action.validateBasic()
}

func decodePropose(r *wire.Reader) tx.Msg {
	m := &MsgPropose{Title: r.String(MaxTitleLen), Deposit: r.Amount()}
	raw := r.VarBytes(MaxActionLen)
	if r.Err() == nil {
		if err := json.Unmarshal(raw, &m.Action); err != nil {
			r.Fail("proposal action: %v", err)
		} else if again, _ := json.Marshal(m.Action); string(again) != string(raw) {
			// One encoding per message: the action must be in the form
			// Encode writes.
			r.Fail("proposal action is not in canonical form")
		}
	}
	return m
}

// MsgVote casts or changes the sender's vote on a proposal in its voting
// period.
type MsgVote struct {
	Proposal uint64
	Option   byte
}

// Type implements tx.Msg.
func (*MsgVote) Type() string { return TypeVote }

// Encode implements tx.Msg: the proposal id uvarint, the option byte
// (1 yes, 2 no, 3 abstain).
func (m *MsgVote) Encode(w *wire.Writer) {
	w.Uvarint(m.Proposal)
	w.Byte(m.Option)
}

// ValidateBasic implements tx.Msg.
func (m *MsgVote) ValidateBasic() error {
	if m.Option < VoteYes || m.Option > VoteAbstain {
		return fmt.Errorf("%w: %d", ErrBadVote, m.Option)
	}
	return nil
}

func decodeVote(r *wire.Reader) tx.Msg { return &MsgVote{Proposal: r.Uvarint(), Option: r.Byte()} }

func decodeLock(r *wire.Reader) tx.Msg { return &MsgLock{Amount: r.Amount()} }

func decodeUnlock(r *wire.Reader) tx.Msg { return &MsgUnlock{Amount: r.Amount()} }
