package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// settlementGoal is the budget of one block's settlement: 10 % of the
// 1-second block time.
const settlementGoal = 100 * time.Millisecond

// BenchmarkComputationSettlement measures the settlement of one block's
// rewards (the computation module's EndBlock: every online session's V,
// share and challenge, the budget split, the transfers and the pools'
// bookkeeping) with 10,000 computing workers online in 50 stake pools of
// 200, default (1-second block) parameters, on IAVL over LevelDB in a
// temporary directory, as a node keeps it. Every worker answers its
// challenges (outside the timer), so all stay online. The commit of each
// block is timed apart (commit-ms/block). Reported: ms/block and the ratio
// to the goal of 100 ms (goal-ratio, below 1 passes).
func BenchmarkComputationSettlement(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) { benchSettlement(b, n) })
	}
}

// settlementChain is the app's economy modules over one store, driven
// directly (no transactions, no signatures) to set up many workers fast.
type settlementChain struct {
	store   *state.Store
	reg     *registry.Module
	comp    *computation.Module
	pools   *stakepool.Module
	height  int64
	workers []registry.WorkerID
}

func blockHash(h int64) []byte {
	s := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bench-block-"), uint64(h)))
	return s[:]
}

func newSettlementChain(b *testing.B, workers int) *settlementChain {
	b.Helper()
	store, err := state.Open(b.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	const perPool = 200
	npools := (workers + perPool - 1) / perPool
	owners := map[string]address.Address{}
	var names []string
	for i := range npools {
		n := fmt.Sprintf("owner%d", i)
		owners[n] = address.Module(n)
		names = append(names, n)
	}
	bal := balances.New()
	reg := registry.New()
	comp := computation.New(reg)
	pools := stakepool.New(reg, comp)
	sc := &settlementChain{store: store, reg: reg, comp: comp, pools: pools}
	ctx := sc.ctx(1)
	g, err := balances.DefaultGenesis(owners, names, pha.Whole(1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(g)
	if err != nil {
		b.Fatal(err)
	}
	if err := bal.InitGenesis(ctx, raw); err != nil {
		b.Fatal(err)
	}
	if err := comp.InitGenesis(ctx, nil); err != nil {
		b.Fatal(err)
	}
	if err := pools.InitGenesis(ctx, nil); err != nil {
		b.Fatal(err)
	}
	deliver := func(from address.Address, msg tx.Msg) {
		if err := pools.DeliverMsg(ctx, from, msg); err != nil {
			b.Fatalf("%s: %v", msg.Type(), err)
		}
	}
	p := comp.Keeper.Params(store)
	for i := range npools {
		owner := owners[names[i]]
		deliver(owner, &stakepool.MsgCreate{CommissionBps: 1000})
		deliver(owner, &stakepool.MsgContribute{Pool: uint64(i + 1), Amount: pha.Whole(900_000)})
	}
	for w := range workers {
		var id registry.WorkerID
		binary.BigEndian.PutUint64(id[:], uint64(w+1))
		copy(id[8:], "bench-worker")
		pool := uint64(w/perPool + 1)
		owner := owners[names[pool-1]]
		score := uint64(500 + w%1000)
		reg.Keeper.SetWorker(store, registry.Worker{ID: id, Operator: owner, BenchmarkScore: score})
		deliver(owner, &stakepool.MsgAddWorker{Pool: pool, Worker: id})
		deliver(owner, &stakepool.MsgStartComputing{Pool: pool, Worker: id, Stake: p.MinStake(score)})
		sc.workers = append(sc.workers, id)
	}
	module.RecordBlockHash(store, 1, blockHash(1))
	if _, _, err := store.Commit(); err != nil {
		b.Fatal(err)
	}
	sc.height = 1
	return sc
}

func (sc *settlementChain) ctx(h int64) *module.Context {
	return &module.Context{KV: sc.store, ChainID: "bench", Height: h, Time: time.Unix(1_800_000_000+h, 0)}
}

// answer has every worker challenged at height h answer in block h.
func (sc *settlementChain) answer(b *testing.B, ctx *module.Context) {
	p := sc.comp.Keeper.Params(sc.store)
	prev := module.BlockHash(sc.store, ctx.Height-1)
	for _, id := range sc.workers {
		if !computation.Challenged(prev, id, p.ChallengeThreshold) {
			continue
		}
		msg := &mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker, ID: id}, Topic: computation.TopicHeartbeat, Payload: computation.HeartbeatPayload(ctx.Height)}
		if err := sc.comp.HandleMQ(ctx, msg); err != nil {
			b.Fatalf("heartbeat of %s: %v", id, err)
		}
	}
}

func benchSettlement(b *testing.B, workers int) {
	sc := newSettlementChain(b, workers)
	var settle, commit time.Duration
	subsidy := balances.Keeper{}.Account(sc.store, balances.SubsidyPool).Balance
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		sc.height++
		ctx := sc.ctx(sc.height)
		module.RecordBlockHash(sc.store, sc.height, blockHash(sc.height))
		sc.answer(b, ctx)
		b.StartTimer()
		t0 := time.Now()
		if err := sc.comp.EndBlock(ctx); err != nil {
			b.Fatal(err)
		}
		settle += time.Since(t0)
		b.StopTimer()
		t1 := time.Now()
		if _, _, err := sc.store.Commit(); err != nil {
			b.Fatal(err)
		}
		commit += time.Since(t1)
		b.StartTimer()
	}
	b.StopTimer()
	st := sc.comp.Keeper.Stats(sc.store)
	if st.LastOnline != workers {
		b.Fatalf("%d of %d workers online at the end", st.LastOnline, workers)
	}
	if left := (balances.Keeper{}).Account(sc.store, balances.SubsidyPool).Balance; !left.LT(subsidy) {
		b.Fatal("nothing was paid")
	}
	ms := float64(settle.Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/block")
	b.ReportMetric(ms/float64(settlementGoal.Milliseconds()), "goal-ratio")
	b.ReportMetric(float64(commit.Microseconds())/1000/float64(b.N), "commit-ms/block")
}
