package sharepool

import (
	"errors"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/pha"
)

func u(n uint64) pha.Amount { return pha.Units(n) }

func TestPrice(t *testing.T) {
	for _, c := range []struct {
		value, total pha.Amount
		want         string
	}{
		{u(0), u(0), "1.000000000000"},
		{u(5), u(0), "1.000000000000"},
		{u(100), u(100), "1.000000000000"},
		{u(150), u(100), "1.500000000000"},
		{u(1), u(3), "0.333333333333"},
		{u(0), u(7), "0.000000000000"},
		{pha.Whole(2), u(1), "2000000000000.000000000000"},
	} {
		p, err := Price(c.value, c.total)
		if err != nil || FormatPrice(p) != c.want {
			t.Errorf("Price(%s, %s) = %s (%v), want %s", c.value, c.total, FormatPrice(p), err, c.want)
		}
	}
}

func TestSharesForAndValueOf(t *testing.T) {
	for _, c := range []struct {
		amount, value, total pha.Amount
		shares, back         pha.Amount
	}{
		{u(100), u(0), u(0), u(100), u(100)}, // first contribution: price 1
		{u(100), u(200), u(100), u(50), u(100)},
		{u(10), u(300), u(100), u(3), u(9)}, // both round down: the pool keeps the dust
		{u(1), u(300), u(100), u(0), u(0)},  // buys no share
		{u(7), u(7), u(7), u(7), u(7)},
	} {
		s, err := SharesFor(c.amount, c.value, c.total)
		if err != nil || s != c.shares {
			t.Errorf("SharesFor(%s, %s, %s) = %s (%v), want %s", c.amount, c.value, c.total, s, err, c.shares)
		}
		value, _ := c.value.Add(c.amount)
		total, _ := c.total.Add(s)
		if back := ValueOf(s, value, total); back != c.back {
			t.Errorf("ValueOf(%s, %s, %s) = %s, want %s", s, value, total, back, c.back)
		}
	}
	if _, err := SharesFor(u(5), u(0), u(10)); !errors.Is(err, ErrNoValue) {
		t.Errorf("shares without value: %v", err)
	}
	if v := ValueOf(u(5), u(10), u(0)); !v.IsZero() {
		t.Errorf("value of shares of an empty pool: %s", v)
	}
}

func TestNext(t *testing.T) {
	for _, c := range []struct {
		shares, free, value, total pha.Amount
		want                       Payment
		ok                         bool
	}{
		{u(10), u(100), u(200), u(100), Payment{Shares: u(10), Amount: u(20), Complete: true}, true},
		{u(10), u(20), u(200), u(100), Payment{Shares: u(10), Amount: u(20), Complete: true}, true},
		{u(10), u(9), u(200), u(100), Payment{Shares: u(4), Amount: u(8)}, true},
		{u(10), u(1), u(200), u(100), Payment{}, false},
		{u(10), u(0), u(0), u(100), Payment{Shares: u(10), Complete: true}, true}, // worth nothing: done at once
	} {
		pay, ok, err := Next(c.shares, c.free, c.value, c.total)
		if err != nil || ok != c.ok || pay != c.want {
			t.Errorf("Next(%s, %s, %s, %s) = %+v %v (%v), want %+v %v", c.shares, c.free, c.value, c.total, pay, ok, err, c.want, c.ok)
		}
	}
}

// book is a Book over maps, the way a module keeps one in state.
type book struct {
	free, locked, total pha.Amount
	requests            map[uint64]Withdrawal
	paid                []Payment
}

func (b *book) Funds() (free, value, total pha.Amount) {
	v, _ := b.free.Add(b.locked)
	return b.free, v, b.total
}

func (b *book) Request(seq uint64) (Withdrawal, error) {
	w, ok := b.requests[seq]
	if !ok {
		return w, fmt.Errorf("withdrawal %d missing", seq)
	}
	return w, nil
}

func (b *book) Pay(w *Withdrawal, pay Payment) error {
	b.free, _ = b.free.Sub(pay.Amount)
	b.total, _ = b.total.Sub(pay.Shares)
	if pay.Complete {
		delete(b.requests, w.Seq)
	} else {
		b.requests[w.Seq] = *w
	}
	b.paid = append(b.paid, pay)
	return nil
}

func TestServe(t *testing.T) {
	for _, c := range []struct {
		name            string
		free, locked    pha.Amount
		requests        []uint64
		wantHead        uint64
		wantPaid        []Payment
		wantLeft        pha.Amount // of the head, when it waits
		wantFree, total pha.Amount
	}{
		{name: "empty", free: u(50), total: u(100), wantFree: u(50)},
		{name: "all paid", free: u(100), requests: []uint64{30, 20}, wantHead: 2,
			wantPaid: []Payment{{u(30), u(30), true}, {u(20), u(20), true}}, wantFree: u(50), total: u(50)},
		{name: "head in part", free: u(40), locked: u(60), requests: []uint64{30, 20}, wantHead: 1,
			wantPaid: []Payment{{u(30), u(30), true}, {u(10), u(10), false}}, wantLeft: u(10), total: u(60)},
		{name: "nothing free", locked: u(100), requests: []uint64{30}, wantLeft: u(30), total: u(100)},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &book{free: c.free, locked: c.locked, total: u(100), requests: map[uint64]Withdrawal{}}
			var q Queue
			for _, s := range c.requests {
				seq := q.Push()
				b.requests[seq] = Withdrawal{Seq: seq, Shares: u(s)}
			}
			if err := q.Serve(b); err != nil {
				t.Fatal(err)
			}
			if q.QueueHead != c.wantHead || fmt.Sprint(b.paid) != fmt.Sprint(c.wantPaid) || b.free != c.wantFree || b.total != c.total {
				t.Fatalf("head %d, paid %v, free %s, total %s", q.QueueHead, b.paid, b.free, b.total)
			}
			if q.Waiting() > 0 && b.requests[q.QueueHead].Shares != c.wantLeft {
				t.Fatalf("head has %s left, want %s", b.requests[q.QueueHead].Shares, c.wantLeft)
			}
		})
	}
	q := Queue{QueueTail: 1}
	if err := q.Serve(&book{free: u(1), total: u(1), requests: map[uint64]Withdrawal{}}); err == nil {
		t.Fatal("served a missing request")
	}
}

func TestCommission(t *testing.T) {
	one := PriceOne()
	for _, c := range []struct {
		value, total, highWater pha.Amount
		bps                     uint32
		fee, minted             pha.Amount
	}{
		// 100 shares worth 200 over a mark of 1: a gain of 100, 10 % is 10,
		// paid as floor(10·100/190) = 5 shares.
		{u(200), u(100), one, 1000, u(10), u(5)},
		{u(200), u(100), one, 0, u(0), u(0)},
		{u(200), u(100), one, 10_000, u(100), u(100)},
		{pha.Whole(150), pha.Whole(100), pha.Whole(1), 2000, pha.Whole(10), mustAmount(t, "7142857142857")},
	} {
		price, _ := Price(c.value, c.total)
		fee, minted, err := Commission(c.value, c.total, price, c.highWater, c.bps)
		if err != nil || fee != c.fee || minted != c.minted {
			t.Errorf("Commission(%s, %s, %s, %d) = %s, %s (%v), want %s, %s", c.value, c.total, c.highWater, c.bps, fee, minted, err, c.fee, c.minted)
		}
	}
}

func mustAmount(t *testing.T, s string) pha.Amount {
	t.Helper()
	a, err := pha.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
