package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// WritesPerTransfer is W in the limit formula: the IAVL writes our app
// makes for one transfer in FinalizeBlock (chain/app/deliver.go and
// modules/balances/keeper.go). The fee and the transfer are buffered in
// per-tx caches and reach the tree once, in key order: the sender (fee
// paid, nonce used, amount debited) and the recipient (amount credited).
//
// The treasury credit of the collected fees is one write per block, which
// the state measurement includes per block rather than per transfer.
const WritesPerTransfer = 2

// measureLimit measures, on one core and with no node running, the two
// costs every committed transfer must pay here, and combines them:
//
//	limit tx/s = 1 / (1/verifs + W/writes)
//
// A transfer needs one ed25519 verification (CheckTx; FinalizeBlock reuses
// the result) and W state writes. Measured on one core, their times add
// up: this is the one-core bound. The node checks signatures outside its
// state lock, so with two cores it may exceed this bound. Everything
// else (decoding, the mempool, consensus, block storage, indexing) is
// engine or app overhead the limit leaves out, so the limit is an upper
// bound.
func measureLimit(ctx context.Context, dir string, w *workload, senders, batch int, d time.Duration) (*Limit, error) {
	verifs, err := measureVerify(ctx, w, d)
	if err != nil {
		return nil, err
	}
	batch = max(batch, 100)
	writes, err := measureWrites(ctx, dir, senders, batch, d)
	if err != nil {
		return nil, err
	}
	l := &Limit{
		VerifsPerSec:      verifs,
		WritesPerSec:      writes,
		WritesPerTransfer: WritesPerTransfer,
		BlockTxs:          batch,
		Formula:           "1 / (1/verifs + W/writes)",
	}
	l.TxPerSec = 1 / (1/verifs + float64(WritesPerTransfer)/writes)
	return l, nil
}

// measureVerify counts ed25519 verifications per second over the real
// sign bytes of the run's transfers (precomputed: encoding is app
// overhead, not the limit), on the calling goroutine only.
func measureVerify(ctx context.Context, w *workload, d time.Duration) (float64, error) {
	n := min(len(w.signed), 4096)
	type item struct{ pub, msg, sig []byte }
	items := make([]item, n)
	for i := range items {
		t := w.signed[i]
		items[i] = item{t.PubKey, t.SignBytes(), t.Signature}
	}
	count := 0
	start := time.Now()
	for {
		it := items[count%n]
		if !ed25519.Verify(it.pub, it.msg, it.sig) {
			return 0, fmt.Errorf("signature of a bench transfer does not verify")
		}
		count++
		if count%256 != 0 {
			continue
		}
		if el := time.Since(start); el >= d {
			return float64(count) / el.Seconds(), nil
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
}

// measureWrites replays the state writes of transfer blocks on a fresh
// disk-backed store (state.Open: IAVL on LevelDB, as the node uses): per
// transfer the read-modify-writes of WritesPerTransfer with the
// balances keeper's real records, per block the treasury credit, the
// working hash (the AppHash) and a commit. It returns writes per second,
// the block's hashing and commit included.
func measureWrites(ctx context.Context, dir string, senders, batch int, d time.Duration) (float64, error) {
	s, err := state.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		return 0, err
	}
	defer s.Close()
	k := balances.Keeper{}
	addrs := newWorkloadAddrs(senders)
	if senders == 1 {
		addrs = append(addrs, address.Module("bench-recipient"))
	}
	start := pha.Whole(1_000_000)
	for _, a := range addrs {
		k.SetAccount(s, a, balances.Account{Balance: start})
	}
	k.SetAccount(s, balances.Treasury, balances.Account{Balance: start})
	if _, _, err := s.Commit(); err != nil {
		return 0, err
	}
	fee, one := pha.Units(1_000_000), pha.Units(1)
	rmw := func(a address.Address, f func(*balances.Account) error) error {
		acct := k.Account(s, a)
		if err := f(&acct); err != nil {
			return err
		}
		k.SetAccount(s, a, acct)
		return nil
	}
	writes, tx := 0, 0
	t0 := time.Now()
	for blocks := 0; ; blocks++ {
		for i := 0; i < batch; i++ {
			from, to := addrs[tx%senders], addrs[(tx%senders+1)%len(addrs)]
			tx++
			err := rmw(from, func(a *balances.Account) (err error) {
				a.Nonce++
				if a.Balance, err = a.Balance.Sub(fee); err != nil {
					return err
				}
				a.Balance, err = a.Balance.Sub(one)
				return err
			})
			if err == nil {
				err = rmw(to, func(a *balances.Account) (err error) { a.Balance, err = a.Balance.Add(one); return err })
			}
			if err != nil {
				return 0, err
			}
			writes += WritesPerTransfer
		}
		if err := k.Add(s, balances.Treasury, fee); err != nil {
			return 0, err
		}
		writes++
		_ = s.WorkingHash()
		if _, _, err := s.Commit(); err != nil {
			return 0, err
		}
		if el := time.Since(t0); el >= d && blocks >= 1 {
			return float64(writes) / el.Seconds(), nil
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
}
