package vault

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Message types of the vault module that anyone may send: create a vault,
// deposit into one, withdraw from one.
const (
	TypeCreate   = "vault/create"
	TypeDeposit  = "vault/deposit"
	TypeWithdraw = "vault/withdraw"
)

// Message types that only a vault's owner may send: move the vault's PHA
// into stake pools and back.
const (
	TypeDelegate   = "vault/delegate"
	TypeUndelegate = "vault/undelegate"
)

// MsgCreate creates a vault owned by the sender that takes CommissionBps
// basis points of its gains as owner shares.
type MsgCreate struct{ CommissionBps uint32 }

// Type implements tx.Msg.
func (*MsgCreate) Type() string { return TypeCreate }

// ValidateBasic implements tx.Msg.
func (m *MsgCreate) ValidateBasic() error {
	return sharepool.CheckCommission(m.CommissionBps, ErrBadCommission)
}

// Encode implements tx.Msg: the commission as a uvarint.
func (m *MsgCreate) Encode(w *wire.Writer) { sharepool.EncodeCommission(w, m.CommissionBps) }

// MsgDeposit moves Amount PHA from the sender into the vault for shares at
// the vault's price. Anyone may send it.
type MsgDeposit struct {
	Vault  uint64
	Amount pha.Amount
}

// Type implements tx.Msg.
func (*MsgDeposit) Type() string { return TypeDeposit }

// Encode implements tx.Msg: vault uvarint, 16-byte amount.
func (m *MsgDeposit) Encode(w *wire.Writer) { w.Uvarint(m.Vault); w.Amount(m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgDeposit) ValidateBasic() error { return positive(m.Amount, "deposit") }

// MsgWithdraw redeems Shares of the sender's vault shares: paid from the
// vault's free PHA at once, the rest queued.
type MsgWithdraw struct {
	Vault  uint64
	Shares pha.Amount
}

// Type implements tx.Msg.
func (*MsgWithdraw) Type() string { return TypeWithdraw }

// Encode implements tx.Msg: vault uvarint, 16-byte share count.
func (m *MsgWithdraw) Encode(w *wire.Writer) { w.Uvarint(m.Vault); w.Amount(m.Shares) }

// ValidateBasic implements tx.Msg.
func (m *MsgWithdraw) ValidateBasic() error { return positive(m.Shares, "shares") }

// MsgDelegate contributes Amount of the vault's free PHA to stake pool
// Pool. Only the vault owner may send it.
type MsgDelegate struct {
	Vault  uint64
	Pool   uint64
	Amount pha.Amount
}

// Type implements tx.Msg.
func (*MsgDelegate) Type() string { return TypeDelegate }

// Encode implements tx.Msg: vault uvarint, pool uvarint, 16-byte amount.
func (m *MsgDelegate) Encode(w *wire.Writer) {
	w.Uvarint(m.Vault)
	w.Uvarint(m.Pool)
	w.Amount(m.Amount)
}

// ValidateBasic implements tx.Msg.
func (m *MsgDelegate) ValidateBasic() error { return positive(m.Amount, "delegation") }

// MsgUndelegate withdraws Shares of the vault's shares in stake pool Pool,
// queued in the pool like any holder's request. Only the vault owner may
// send it.
type MsgUndelegate struct {
	Vault  uint64
	Pool   uint64
	Shares pha.Amount
}

// Type implements tx.Msg.
func (*MsgUndelegate) Type() string { return TypeUndelegate }

// Encode implements tx.Msg: vault uvarint, pool uvarint, 16-byte shares.
func (m *MsgUndelegate) Encode(w *wire.Writer) {
	w.Uvarint(m.Vault)
	w.Uvarint(m.Pool)
	w.Amount(m.Shares)
}

// ValidateBasic implements tx.Msg.
func (m *MsgUndelegate) ValidateBasic() error { return positive(m.Shares, "shares") }

func decodeCreate(r *wire.Reader) tx.Msg {
	return &MsgCreate{CommissionBps: sharepool.DecodeCommission(r)}
}
func decodeDeposit(r *wire.Reader) tx.Msg { return &MsgDeposit{Vault: r.Uvarint(), Amount: r.Amount()} }
func decodeWithdraw(r *wire.Reader) tx.Msg {
	return &MsgWithdraw{Vault: r.Uvarint(), Shares: r.Amount()}
}
func decodeDelegate(r *wire.Reader) tx.Msg {
	return &MsgDelegate{Vault: r.Uvarint(), Pool: r.Uvarint(), Amount: r.Amount()}
}
func decodeUndelegate(r *wire.Reader) tx.Msg {
	return &MsgUndelegate{Vault: r.Uvarint(), Pool: r.Uvarint(), Shares: r.Amount()}
}

// positive refuses a zero amount of what.
func positive(a pha.Amount, what string) error {
	if !a.IsZero() {
		return nil
	}
	return fmt.Errorf("%w: %s is zero", ErrZeroAmount, what)
}
