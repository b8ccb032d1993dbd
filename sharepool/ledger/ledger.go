// Package ledger keeps a share pool's state under a module's keys: the
// shares each account holds, the queued withdrawals and each account's
// pointer to its queued request, the requests' deadlines, and the counter
// that numbers pools. The stake pool and vault keepers each hold the Ledger
// Under their module's name, so both lay out and store holdings and queues
// the same way.
package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Ledger stores holdings and withdrawal queues under one module's keys.
// Under lays the keys out; each takes the pool id first.
type Ledger struct {
	// what names the records in storage failures, e.g. "vault".
	what string
	// nextID holds the id the next pool gets (8 bytes, big-endian);
	// absent, 1.
	nextID []byte
	// shares + pool id + address holds the account's shares (16 bytes,
	// pha.Amount), queued ones excluded.
	shares []byte
	// queue + pool id + seq holds a queued sharepool.Withdrawal (JSON).
	queue []byte
	// queued + pool id + address holds the seq (8 bytes) of the account's
	// queued request.
	queued []byte
	// deadline, when set, + due height + pool id + seq marks (1 byte) a
	// request due at that height, so the module can walk its deadlines in
	// height order.
	deadline []byte
}

// Under returns the ledger of module name, keeping its records under
// <name>/next_id, <name>/sh/, <name>/q/ and <name>/qa/ and, with
// deadlines, <name>/due/ (Ledger's fields say what each holds).
func Under(name string, deadlines bool) Ledger {
	l := Ledger{
		what:   name,
		nextID: []byte(name + "/next_id"),
		shares: []byte(name + "/sh/"),
		queue:  []byte(name + "/q/"),
		queued: []byte(name + "/qa/"),
	}
	if deadlines {
		l.deadline = []byte(name + "/due/")
	}
	return l
}

func (l Ledger) sharesKey(pool uint64, a address.Address) []byte {
	return state.Key(l.shares, state.Uint64(pool), a[:])
}

func (l Ledger) queueKey(pool, seq uint64) []byte {
	return state.Key(l.queue, state.Uint64(pool), state.Uint64(seq))
}

func (l Ledger) queuedKey(pool uint64, a address.Address) []byte {
	return state.Key(l.queued, state.Uint64(pool), a[:])
}

func (l Ledger) deadlineKey(due int64, pool, seq uint64) []byte {
	return state.Key(l.deadline, state.Uint64(uint64(due)), state.Uint64(pool), state.Uint64(seq))
}

// NextID returns the id the next pool gets (1 when the counter is absent)
// and stores the one after it.
func (l Ledger) NextID(kv state.KV) uint64 {
	id := uint64(1)
	if raw := kv.Get(l.nextID); len(raw) == 8 {
		id = binary.BigEndian.Uint64(raw)
	}
	kv.Set(l.nextID, state.Uint64(id+1))
	return id
}

// Shares returns the shares a holds in pool, queued ones excluded.
func (l Ledger) Shares(kv state.KV, pool uint64, a address.Address) pha.Amount {
	raw := kv.Get(l.sharesKey(pool, a))
	if raw == nil {
		return pha.Amount{}
	}
	s, err := pha.FromBytes(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("%s shares: %w", l.what, err)})
	}
	return s
}

// SetShares stores a's shares in pool; none removes the entry.
func (l Ledger) SetShares(kv state.KV, pool uint64, a address.Address, s pha.Amount) {
	if s.IsZero() {
		kv.Delete(l.sharesKey(pool, a))
		return
	}
	kv.Set(l.sharesKey(pool, a), s.Bytes())
}

// IterateShares calls fn for every holder of pool, in address order.
func (l Ledger) IterateShares(kv state.KV, pool uint64, fn func(address.Address, pha.Amount) bool) {
	prefix := state.Key(l.shares, state.Uint64(pool))
	kv.Iterate(prefix, func(k, v []byte) bool {
		s, _ := pha.FromBytes(v)
		return fn(address.Address(k[len(prefix):]), s)
	})
}

// Withdrawal returns queued request seq of pool.
func (l Ledger) Withdrawal(kv state.KV, pool, seq uint64) (sharepool.Withdrawal, bool) {
	raw := kv.Get(l.queueKey(pool, seq))
	if raw == nil {
		return sharepool.Withdrawal{}, false
	}
	var w sharepool.Withdrawal
	state.DecodeJSON(raw, &w, l.what+" withdrawal")
	return w, true
}

// Queued returns a's queued request in pool.
func (l Ledger) Queued(kv state.KV, pool uint64, a address.Address) (sharepool.Withdrawal, bool) {
	raw := kv.Get(l.queuedKey(pool, a))
	if len(raw) != 8 {
		return sharepool.Withdrawal{}, false
	}
	return l.Withdrawal(kv, pool, binary.BigEndian.Uint64(raw))
}

// Views lists the requests waiting in pool's queue q in order, each with
// what it is worth now in a pool of value and total shares.
func (l Ledger) Views(kv state.KV, pool uint64, q sharepool.Queue, value, total pha.Amount) []sharepool.WithdrawalView {
	out := []sharepool.WithdrawalView{}
	for seq := q.QueueHead; seq < q.QueueTail; seq++ {
		if w, ok := l.Withdrawal(kv, pool, seq); ok {
			out = append(out, sharepool.WithdrawalView{Withdrawal: w, Value: sharepool.ValueOf(w.Shares, value, total)})
		}
	}
	return out
}

// Enqueue stores a new request of pool and its account's pointer to it.
func (l Ledger) Enqueue(kv state.KV, pool uint64, w *sharepool.Withdrawal) {
	kv.Set(l.queueKey(pool, w.Seq), state.EncodeJSON(w))
	kv.Set(l.queuedKey(pool, w.Account), state.Uint64(w.Seq))
	if l.deadline != nil {
		kv.Set(l.deadlineKey(w.Due, pool, w.Seq), []byte{1})
	}
}

// Update stores what is left of a partly paid request.
func (l Ledger) Update(kv state.KV, pool uint64, w *sharepool.Withdrawal) {
	kv.Set(l.queueKey(pool, w.Seq), state.EncodeJSON(w))
}

// Finish removes a paid request and its account's pointer.
func (l Ledger) Finish(kv state.KV, pool uint64, w *sharepool.Withdrawal) {
	kv.Delete(l.queueKey(pool, w.Seq))
	kv.Delete(l.queuedKey(pool, w.Account))
	if l.deadline != nil {
		kv.Delete(l.deadlineKey(w.Due, pool, w.Seq))
	}
}

// Deadline is a queued request whose due height has come.
type Deadline struct {
	key       []byte
	Pool, Seq uint64
}

// Due returns the deadlines due at or before height, in due order (a
// ledger kept without deadlines has none).
func (l Ledger) Due(kv state.KV, height int64) []Deadline {
	if l.deadline == nil {
		return nil
	}
	var dues []Deadline
	kv.Iterate(l.deadline, func(k, _ []byte) bool {
		rest := k[len(l.deadline):]
		if len(rest) != 24 {
			panic(fmt.Sprintf("%s: deadline key %x", l.what, k))
		}
		if int64(binary.BigEndian.Uint64(rest[:8])) > height {
			return false
		}
		dues = append(dues, Deadline{key: append([]byte(nil), k...), Pool: binary.BigEndian.Uint64(rest[8:16]), Seq: binary.BigEndian.Uint64(rest[16:])})
		return true
	})
	return dues
}

// Clear removes a deadline that Due returned.
func (Ledger) Clear(kv state.KV, d Deadline) { kv.Delete(d.key) }

// Pool is a pool record being served: its numbers and how a payment
// changes them, as the module that owns the record defines them.
type Pool struct {
	// ID is the pool's id under the ledger's keys.
	ID uint64
	// Account holds the pool's free PHA, which pays the requests.
	Account address.Address
	// Funds returns the free PHA, the pool's value and its total shares.
	Funds func() (free, value, total pha.Amount)
	// Burn takes a payment's shares (and, where the record counts its
	// free PHA, the amount) off the record.
	Burn func(pay sharepool.Payment) error
	// Paid reports a payment made (the module's event).
	Paid func(w *sharepool.Withdrawal, pay sharepool.Payment)
	// Queued reports a request left waiting after Withdraw served the
	// queue (the module's event).
	Queued func(w *sharepool.Withdrawal)
	// Save stores the record (ServeAndSave calls it once served).
	Save func()
}

// Serving is one pool's queue ready to be served over a ledger.
type Serving struct {
	l  Ledger
	kv state.KV
	q  *sharepool.Queue
	p  Pool
}

// Serving binds q, the queue of the record p describes, for serving.
func (l Ledger) Serving(kv state.KV, q *sharepool.Queue, p Pool) Serving {
	return Serving{l: l, kv: kv, q: q, p: p}
}

// Serve pays the requests from the pool's free PHA in order
// (sharepool.Queue.Serve): each payment is burnt from the record, moved
// from the pool's account to the requester, and the request stored or
// removed. The caller saves the record.
func (s Serving) Serve() error {
	return s.q.Serve(book{l: s.l, kv: s.kv, p: s.p})
}

// ServeAndSave serves as Serve does, then saves the record with Pool.Save.
func (s Serving) ServeAndSave() error {
	if err := s.Serve(); err != nil {
		return err
	}
	s.p.Save()
	return nil
}

// Redeemable returns the shares a keeps after withdrawing shares from
// pool (kind names it in errors, e.g. "pool"): a must hold them (errShort
// otherwise) and have no request waiting (errPending otherwise).
func (l Ledger) Redeemable(kv state.KV, kind string, pool uint64, a address.Address, shares pha.Amount, errShort, errPending error) (pha.Amount, error) {
	held := l.Shares(kv, pool, a)
	left, err := held.Sub(shares)
	if err != nil {
		return pha.Amount{}, fmt.Errorf("%w: %s holds %s shares of %s %d, withdraws %s", errShort, a, held, kind, pool, shares)
	}
	if w, ok := l.Queued(kv, pool, a); ok {
		return pha.Amount{}, fmt.Errorf("%w: request %d for %s shares", errPending, w.Seq, w.Shares)
	}
	return left, nil
}

// Withdraw leaves a with left shares, queues a's request for shares made
// at height and due at due, serves the queue (paying the request at once
// where free PHA allows), reports what of it still waits with Pool.Queued,
// and saves the record.
func (s Serving) Withdraw(a address.Address, shares, left pha.Amount, height, due int64) error {
	s.l.SetShares(s.kv, s.p.ID, a, left)
	w := sharepool.Withdrawal{Seq: s.q.Push(), Account: a, Shares: shares, Height: height, Due: due}
	s.l.Enqueue(s.kv, s.p.ID, &w)
	if err := s.Serve(); err != nil {
		return err
	}
	if rest, waiting := s.l.Withdrawal(s.kv, s.p.ID, w.Seq); waiting {
		s.p.Queued(&rest)
	}
	s.p.Save()
	return nil
}

// book is the sharepool.Book of one pool over the ledger.
type book struct {
	l  Ledger
	kv state.KV
	p  Pool
}

// Funds implements sharepool.Book.
func (b book) Funds() (free, value, total pha.Amount) { return b.p.Funds() }

// Request implements sharepool.Book.
func (b book) Request(seq uint64) (sharepool.Withdrawal, error) {
	w, ok := b.l.Withdrawal(b.kv, b.p.ID, seq)
	if !ok {
		return w, fmt.Errorf("%s %d: withdrawal %d missing from the queue", b.l.what, b.p.ID, seq)
	}
	return w, nil
}

// Pay implements sharepool.Book.
func (b book) Pay(w *sharepool.Withdrawal, pay sharepool.Payment) error {
	if err := b.p.Burn(pay); err != nil {
		return err
	}
	if !pay.Amount.IsZero() {
		if err := (balances.Keeper{}).Transfer(b.kv, b.p.Account, w.Account, pay.Amount); err != nil {
			return fmt.Errorf("%s %d: pay withdrawal %d: %w", b.l.what, b.p.ID, w.Seq, err)
		}
	}
	if pay.Complete {
		b.l.Finish(b.kv, b.p.ID, w)
	} else {
		b.l.Update(b.kv, b.p.ID, w)
	}
	b.p.Paid(w, pay)
	return nil
}

// Holding answers a shares query: what the account named by account (a
// query path segment, read by module.ParseAccount) holds and has queued in
// pool, valued at value over total shares.
func (l Ledger) Holding(kv state.KV, pool uint64, account string, value, total pha.Amount) (sharepool.Holding, error) {
	a, err := module.ParseAccount(account)
	if err != nil {
		return sharepool.Holding{}, err
	}
	var queued *sharepool.Withdrawal
	if w, ok := l.Queued(kv, pool, a); ok {
		queued = &w
	}
	return sharepool.HoldingOf(a, l.Shares(kv, pool, a), queued, value, total), nil
}
