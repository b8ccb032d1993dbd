package stakepool

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Message types of the stakepool module.
const (
	TypeCreate         = "stakepool/create"
	TypeAddWorker      = "stakepool/add_worker"
	TypeRemoveWorker   = "stakepool/remove_worker"
	TypeStartComputing = "stakepool/start_computing"
	TypeStopComputing  = "stakepool/stop_computing"
	TypeContribute     = "stakepool/contribute"
	TypeWithdraw       = "stakepool/withdraw"
)

// MaxCommissionBps is 100 %.
const MaxCommissionBps = sharepool.MaxCommissionBps

// MsgCreate creates a pool owned by the sender that keeps CommissionBps
// basis points of every reward.
type MsgCreate struct {
	CommissionBps uint32
}

// Type implements tx.Msg.
func (*MsgCreate) Type() string { return TypeCreate }

// Encode implements tx.Msg: the commission as a uvarint.
func (m *MsgCreate) Encode(w *wire.Writer) { sharepool.EncodeCommission(w, m.CommissionBps) }

// ValidateBasic implements tx.Msg.
func (m *MsgCreate) ValidateBasic() error {
	return sharepool.CheckCommission(m.CommissionBps, ErrBadCommission)
}

func decodeCreate(r *wire.Reader) tx.Msg {
	return &MsgCreate{CommissionBps: sharepool.DecodeCommission(r)}
}

// MsgAddWorker adds a registered worker operated by the pool owner to
// the pool. Only the pool owner may send it.
type MsgAddWorker struct {
	Pool   uint64
	Worker registry.WorkerID
}

// Type implements tx.Msg.
func (*MsgAddWorker) Type() string { return TypeAddWorker }

// Encode implements tx.Msg: the pool id as a uvarint, then the worker id.
func (m *MsgAddWorker) Encode(w *wire.Writer) {
	w.Uvarint(m.Pool)
	w.Raw(m.Worker[:])
}

// ValidateBasic implements tx.Msg.
func (*MsgAddWorker) ValidateBasic() error { return nil }

// MsgRemoveWorker takes a worker that is not computing out of the pool.
// Only the pool owner may send it.
// It has MsgAddWorker's fields and layout.
type MsgRemoveWorker MsgAddWorker

// Type implements tx.Msg.
func (*MsgRemoveWorker) Type() string { return TypeRemoveWorker }

// Encode implements tx.Msg: as MsgAddWorker.
func (m *MsgRemoveWorker) Encode(w *wire.Writer) { (*MsgAddWorker)(m).Encode(w) }

// ValidateBasic implements tx.Msg.
func (*MsgRemoveWorker) ValidateBasic() error { return nil }

// MsgStopComputing stops a worker's session; its stake returns to the pool
// after the cool-down. Only the pool owner may send it.
// It has MsgAddWorker's fields and layout.
type MsgStopComputing MsgAddWorker

// Type implements tx.Msg.
func (*MsgStopComputing) Type() string { return TypeStopComputing }

// Encode implements tx.Msg: as MsgAddWorker.
func (m *MsgStopComputing) Encode(w *wire.Writer) { (*MsgAddWorker)(m).Encode(w) }

// ValidateBasic implements tx.Msg.
func (*MsgStopComputing) ValidateBasic() error { return nil }

// decodeMember reads the layout MsgAddWorker, MsgRemoveWorker and
// MsgStopComputing share, as an M: one decoder for the three types.
func decodeMember[M ~struct {
	Pool   uint64
	Worker registry.WorkerID
}, P interface {
	*M
	tx.Msg
}](r *wire.Reader) tx.Msg {
	m := MsgAddWorker{Pool: r.Uvarint()}
	copy(m.Worker[:], r.Raw(32))
	v := M(m)
	return P(&v)
}

// MsgStartComputing starts a worker of the pool computing with Stake taken
// from the pool's free stake. Only the pool owner may send it.
type MsgStartComputing struct {
	Pool   uint64
	Worker registry.WorkerID
	Stake  pha.Amount
}

// Type implements tx.Msg.
func (*MsgStartComputing) Type() string { return TypeStartComputing }

// Encode implements tx.Msg: pool uvarint, worker id, 16-byte stake.
func (m *MsgStartComputing) Encode(w *wire.Writer) {
	w.Uvarint(m.Pool)
	w.Raw(m.Worker[:])
	w.Amount(m.Stake)
}

// ValidateBasic implements tx.Msg.
func (m *MsgStartComputing) ValidateBasic() error { return positive(m.Stake, "stake") }

func decodeStartComputing(r *wire.Reader) tx.Msg {
	m := &MsgStartComputing{Pool: r.Uvarint()}
	copy(m.Worker[:], r.Raw(32))
	m.Stake = r.Amount()
	return m
}

// MsgContribute moves Amount PHA from the sender into the pool for shares
// at the pool's price. Anyone may send it.
type MsgContribute struct {
	Pool   uint64
	Amount pha.Amount
}

// Type implements tx.Msg.
func (*MsgContribute) Type() string { return TypeContribute }

// Encode implements tx.Msg: pool uvarint, then the 16-byte amount.
func (m *MsgContribute) Encode(w *wire.Writer) { encodeAmount(w, m.Pool, m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgContribute) ValidateBasic() error { return positive(m.Amount, "contribution") }

// MsgWithdraw redeems Shares of the sender's shares in the pool: paid from
// free stake at once, the rest queued.
type MsgWithdraw struct {
	Pool   uint64
	Shares pha.Amount
}

// Type implements tx.Msg.
func (*MsgWithdraw) Type() string { return TypeWithdraw }

// Encode implements tx.Msg: pool uvarint, then the 16-byte share count.
func (m *MsgWithdraw) Encode(w *wire.Writer) { encodeAmount(w, m.Pool, m.Shares) }

// ValidateBasic implements tx.Msg.
func (m *MsgWithdraw) ValidateBasic() error { return positive(m.Shares, "shares") }

func encodeAmount(w *wire.Writer, pool uint64, a pha.Amount) {
	w.Uvarint(pool)
	w.Amount(a)
}

func decodeContribute(r *wire.Reader) tx.Msg {
	return &MsgContribute{Pool: r.Uvarint(), Amount: r.Amount()}
}

func decodeWithdraw(r *wire.Reader) tx.Msg {
	return &MsgWithdraw{Pool: r.Uvarint(), Shares: r.Amount()}
}

func positive(a pha.Amount, what string) error {
	if a.IsZero() {
		return fmt.Errorf("%w: %s is zero", ErrZeroAmount, what)
	}
	return nil
}
