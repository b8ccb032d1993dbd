// Package sharepool is the share accounting that stake pools and vaults
// have in common: a pool holds a value in PHA and mints shares against it;
// the share price is value / shares; a contribution of a PHA mints
// floor(a·T/V) shares and redeeming s shares pays floor(s·V/T), so every
// conversion rounds in the pool's favour and the price never falls.
// Withdrawals wait in a FIFO queue served from the pool's free PHA.
//
// The package is pure: no state, no I/O. A module keeps the numbers in its
// own records and stores the queued requests under its own keys; Serve
// walks the queue through the Book the module gives it.
package sharepool

import (
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// ErrNoValue means a pool has shares but nothing they are worth, so no
// amount can be turned into shares.
var ErrNoValue = errors.New("pool has shares but no value")

// PriceOne is a share price of 1 in the 10^-12 units prices are kept in:
// the price of a pool without shares.
func PriceOne() pha.Amount { return pha.Whole(1) }

// Price is value / total in 10^-12 units, rounded down; a pool without
// shares has price PriceOne.
func Price(value, total pha.Amount) (pha.Amount, error) {
	if total.IsZero() {
		return PriceOne(), nil
	}
	return value.MulDiv(PriceOne(), total)
}

// FormatPrice writes a price of 10^-12 units as a decimal with all 12
// places.
func FormatPrice(price pha.Amount) string {
	s := price.String()
	for len(s) <= pha.Decimals {
		s = "0" + s
	}
	return s[:len(s)-pha.Decimals] + "." + s[len(s)-pha.Decimals:]
}

// SharesFor is the number of shares amount buys in a pool of value and
// total shares: floor(amount·total/value), or one share per base unit in a
// pool without shares.
func SharesFor(amount, value, total pha.Amount) (pha.Amount, error) {
	if total.IsZero() {
		return amount, nil
	}
	if value.IsZero() {
		return pha.Amount{}, ErrNoValue
	}
	return amount.MulDiv(total, value)
}

// ValueOf is what shares of a pool of value and total shares are worth,
// rounded down; nothing in a pool without shares.
func ValueOf(shares, value, total pha.Amount) pha.Amount {
	if total.IsZero() {
		return pha.Amount{}
	}
	a, _ := shares.MulDiv(value, total) // shares <= total: the result fits
	return a
}

// Withdrawal is a queued request to redeem shares.
type Withdrawal struct {
	Seq     uint64          `json:"seq"`
	Account address.Address `json:"account"`
	// Shares are what is left to pay; a partly served request keeps its
	// place and height.
	Shares pha.Amount `json:"shares"`
	Height int64      `json:"requested_height"`
	// Due is the height at whose end, if the request still waits, the
	// module forces stake free (each module says how far after Height).
	Due int64 `json:"due_height"`
}

// WithdrawalView is a queued withdrawal and what it is worth now.
type WithdrawalView struct {
	Withdrawal
	Value pha.Amount `json:"value"`
}

// Holding is an account's stake in a pool: the shares it holds (queued
// ones excluded), what they are worth now, and its queued request.
type Holding struct {
	Account address.Address `json:"account"`
	Shares  pha.Amount      `json:"shares"`
	Value   pha.Amount      `json:"value"`
	// Withdrawing is the account's queued request, if any.
	Withdrawing *WithdrawalView `json:"withdrawing,omitempty"`
}

// HoldingOf values held shares and a queued request (nil when none) of
// account a in a pool of value and total shares.
func HoldingOf(a address.Address, held pha.Amount, queued *Withdrawal, value, total pha.Amount) Holding {
	h := Holding{Account: a, Shares: held, Value: ValueOf(held, value, total)}
	if queued != nil {
		h.Withdrawing = &WithdrawalView{Withdrawal: *queued, Value: ValueOf(queued.Shares, value, total)}
	}
	return h
}

// Record starts a share pool's record (a stake pool's or a vault's): its
// id, its owner and the owner's commission. A record embeds it, which
// keeps the fields where the record's JSON always had them.
type Record struct {
	ID            uint64          `json:"id"`
	Owner         address.Address `json:"owner"`
	CommissionBps uint32          `json:"commission_bps"`
}

// MaxCommissionBps is a commission of 100 %.
const MaxCommissionBps = 10_000

// CheckCommission refuses a commission above 100 % with errBad, the
// module's error.
func CheckCommission(bps uint32, errBad error) error {
	if bps > MaxCommissionBps {
		return fmt.Errorf("%w: got %d", errBad, bps)
	}
	return nil
}

// EncodeCommission writes a commission in basis points as a uvarint.
func EncodeCommission(w *wire.Writer, bps uint32) { w.Uvarint(uint64(bps)) }

// DecodeCommission reads EncodeCommission's uvarint, failing r when it
// does not fit 32 bits.
func DecodeCommission(r *wire.Reader) uint32 {
	c := r.Uvarint()
	if c > 1<<32-1 {
		r.Fail("commission %d basis points", c)
	}
	return uint32(c)
}

// Queue bounds a FIFO withdrawal queue: the requests numbered
// [QueueHead, QueueTail) wait, in order. A pool record embeds it, which
// keeps the two numbers where the record's JSON always had them.
type Queue struct {
	QueueHead uint64 `json:"queue_head"`
	QueueTail uint64 `json:"queue_tail"`
}

// Push takes the next sequence number for a new request.
func (q *Queue) Push() uint64 {
	seq := q.QueueTail
	q.QueueTail++
	return seq
}

// Waiting is the number of requests in the queue.
func (q Queue) Waiting() uint64 { return q.QueueTail - q.QueueHead }

// Payment is what one step of serving the queue pays its head.
type Payment struct {
	// Shares are redeemed for Amount.
	Shares pha.Amount
	Amount pha.Amount
	// Complete is true when the payment finishes the request.
	Complete bool
}

// Next works out what free PHA pays toward a request for shares in a pool
// of value and total shares: the request in full when free covers its
// value, else as many of its shares as free buys. ok is false when free
// buys not one share.
func Next(shares, free, value, total pha.Amount) (pay Payment, ok bool, err error) {
	amount := ValueOf(shares, value, total)
	if !free.LT(amount) {
		return Payment{Shares: shares, Amount: amount, Complete: true}, true, nil
	}
	part, err := free.MulDiv(total, value)
	if err != nil {
		return Payment{}, false, fmt.Errorf("shares for %s free: %w", free, err)
	}
	if part.IsZero() {
		return Payment{}, false, nil
	}
	return Payment{Shares: part, Amount: ValueOf(part, value, total)}, true, nil
}

// Book is the module's side of serving a queue: where the numbers and the
// requests are kept, and how a payment is made.
type Book interface {
	// Funds returns the free PHA that pays requests, the pool's value and
	// its total shares, as they are now.
	Funds() (free, value, total pha.Amount)
	// Request loads the request with sequence number seq.
	Request(seq uint64) (Withdrawal, error)
	// Pay makes a payment to w: burns pay.Shares, moves pay.Amount to
	// w.Account, and stores what is left of w, or removes w when the
	// payment completes it. w.Shares is already reduced.
	Pay(w *Withdrawal, pay Payment) error
}

// Serve pays queued requests in order from the book's free PHA: the head
// in full if the free PHA covers it, else as much of it as the free PHA
// buys (the head then keeps its place for the rest and serving stops).
func (q *Queue) Serve(b Book) error {
	for q.QueueHead < q.QueueTail {
		free, value, total := b.Funds()
		if free.IsZero() {
			return nil
		}
		w, err := b.Request(q.QueueHead)
		if err != nil {
			return err
		}
		pay, ok, err := Next(w.Shares, free, value, total)
		if err != nil || !ok {
			return err
		}
		if w.Shares, err = w.Shares.Sub(pay.Shares); err != nil {
			return fmt.Errorf("withdrawal %d: %w", w.Seq, err)
		}
		if err := b.Pay(&w, pay); err != nil {
			return err
		}
		if !pay.Complete {
			return nil
		}
		q.QueueHead++
	}
	return nil
}

// Commission is what a pool owner earns on the gain above the high-water
// mark: with value V, total shares T and price p = V/T (10^-12 units)
// above the mark h, the fee is c = (p − h)·T·bps/10000 in PHA, paid as
// floor(c·T/(V − c)) new shares, so the holders' price falls to about
// p − c/T ≥ h. No shares are minted when c is zero or takes all of V.
func Commission(value, total, price, highWater pha.Amount, bps uint32) (fee, minted pha.Amount, err error) {
	gainPerShare, _ := price.Sub(highWater) // the caller checks h < p
	gain, err := gainPerShare.MulDiv(total, PriceOne())
	if err != nil {
		return fee, minted, fmt.Errorf("gain: %w", err)
	}
	if fee, err = gain.MulDiv(pha.Units(uint64(bps)), pha.Units(10_000)); err != nil {
		return fee, minted, fmt.Errorf("commission: %w", err)
	}
	rest, err := value.Sub(fee)
	if err != nil || fee.IsZero() || rest.IsZero() {
		return fee, pha.Amount{}, nil
	}
	if minted, err = fee.MulDiv(total, rest); err != nil {
		return fee, minted, fmt.Errorf("commission shares: %w", err)
	}
	return fee, minted, nil
}
