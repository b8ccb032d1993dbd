package computation_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

var owner, alice, owner2 = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)

// testParams: Phala's economy with a 5-block cool-down, a 3-block
// heartbeat window and a challenge every 8 blocks on average.
func testParams() computation.Params {
	p := computation.DefaultParams()
	p.CooldownBlocks = 5
	p.HeartbeatWindow = 3
	t, _ := fixedpoint.FromRatio(1, 8)
	_, p.ChallengeThreshold = t.Bits()
	return p
}

// setup registers workers of the given scores for owner, creates pool 1
// (10 % commission) with them, and has alice contribute 100,000 PHA.
func setup(t *testing.T, p computation.Params, scores ...uint64) (*ct.Fixture, []ed25519.PrivateKey) {
	t.Helper()
	f := ct.New(t, []apptest.Account{owner, alice, owner2}, p, stakepool.DefaultParams())
	var seeds []uint32
	for i := range scores {
		seeds = append(seeds, uint32(i+1))
	}
	keys := f.Register(owner, seeds, scores)
	ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgCreate{CommissionBps: 1000}))
	for _, k := range keys {
		ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgAddWorker{Pool: 1, Worker: ct.ID(k)}))
	}
	ct.MustOK(t, f.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(100_000)}))
	return f, keys
}

// oneComputing is setup with one worker of score 100, started computing
// in pool 1 with 1,000 PHA of stake; it returns the worker's key and id.
func oneComputing(t *testing.T) (*ct.Fixture, ed25519.PrivateKey, registry.WorkerID) {
	t.Helper()
	f, keys := setup(t, testParams(), 100)
	k := keys[0]
	ct.MustOK(t, f.C.Deliver(owner, start(1, k, pha.Whole(1000))))
	return f, k, ct.ID(k)
}

func start(pool uint64, k ed25519.PrivateKey, stake pha.Amount) *stakepool.MsgStartComputing {
	return &stakepool.MsgStartComputing{Pool: pool, Worker: ct.ID(k), Stake: stake}
}

func TestParamsForBlockTimes(t *testing.T) {
	d := computation.DefaultParams()
	if d.BudgetPerBlock != pha.Units(8_333_333_333_333) {
		t.Errorf("budget per 1-s block %s, want 720000/86400 PHA", d.BudgetPerBlock.PHA())
	}
	if d.HeartbeatWindow != 120 || d.CooldownBlocks != 604_800 || d.TreasuryRatioBps != 2000 {
		t.Errorf("window %d, cool-down %d, treasury %d", d.HeartbeatWindow, d.CooldownBlocks, d.TreasuryRatioBps)
	}
	// ρ = 1.0002 an hour: (1+g)^3600 within rounding of 1.0002.
	if h, _ := fixedpoint.One.Add(d.VGrowthPerBlock); true {
		hour, _ := h.Pow(3600)
		if lo, hi := fixedpoint.MustParse("1.00019999999"), fixedpoint.MustParse("1.00020000001"); hour.LT(lo) || hi.LT(hour) {
			t.Errorf("growth %s a block is %s an hour, want Phala's 1.0002", d.VGrowthPerBlock, hour)
		}
	}
	if d.BudgetHalvingInterval != 180*86_400 || d.BudgetHalvingKeep != fixedpoint.MustRatio(3, 4) {
		t.Errorf("budget schedule every %d blocks ×%s, want 180 days ×0.75", d.BudgetHalvingInterval, d.BudgetHalvingKeep)
	}
	if d.SlashRatePerBlock != fixedpoint.MustRatio(1, 3_600_000) {
		t.Errorf("slash %s, want 1/3,600,000", d.SlashRatePerBlock)
	}
	if want := ^uint64(0) / 1800; d.ChallengeThreshold != want {
		t.Errorf("threshold %d, want %d (twice an hour)", d.ChallengeThreshold, want)
	}
	if d.MinStake(100) != pha.Whole(1000) || d.MinStake(400) != pha.Whole(2000) {
		t.Errorf("min stake of P 100: %s, of P 400: %s", d.MinStake(100).PHA(), d.MinStake(400).PHA())
	}
	// Phala's own 12-second blocks give its genesis figures back.
	p12 := computation.ParamsFor(12)
	if p12.BudgetPerBlock != pha.Whole(100) || p12.HeartbeatWindow != 10 || p12.CooldownBlocks != 50_400 {
		t.Errorf("12-s blocks: budget %s, window %d, cool-down %d", p12.BudgetPerBlock.PHA(), p12.HeartbeatWindow, p12.CooldownBlocks)
	}
	rho, _ := fixedpoint.One.Add(p12.VGrowthPerBlock)
	if lo, hi := fixedpoint.MustParse("1.00000066660023"), fixedpoint.MustParse("1.00000066660024"); rho.LT(lo) || hi.LT(rho) {
		t.Errorf("12-s growth factor %s, want Phala's 1.000000666600231", rho)
	}
	// Phala's test of its pallet: op_cost(2000) is 171.71875 PHA a year.
	year := uint64(365 * 86_400 / 12)
	ck, _ := p12.CostK.Mul(fixedpoint.FromInt(2000))
	opc, _ := ck.Add(p12.CostB)
	opc, _ = opc.Mul(fixedpoint.FromInt(year))
	if lo, hi := fixedpoint.MustParse("171.718749"), fixedpoint.MustParse("171.71875"); opc.LT(lo) || hi.LT(opc) {
		t.Errorf("12-s operating cost of P 2000 over a year %s, want Phala's 171.71875", opc)
	}
	slash12 := p12.SlashRatePerBlock
	if lo, hi := fixedpoint.MustRatio(1, 300_001), fixedpoint.MustRatio(1, 300_000); slash12.LT(lo) || hi.LT(slash12) {
		t.Errorf("12-s slash %s, want about 0.001/300", slash12)
	}
	p60 := computation.ParamsFor(60)
	if p60.BudgetPerBlock != pha.Whole(500) || p60.HeartbeatWindow != 2 || p60.CooldownBlocks != 10_080 {
		t.Errorf("60-s blocks: budget %s, window %d, cool-down %d", p60.BudgetPerBlock.PHA(), p60.HeartbeatWindow, p60.CooldownBlocks)
	}
	for _, p := range []computation.Params{d, p12, p60, computation.DevnetParams()} {
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		raw, _ := json.Marshal(p)
		var back computation.Params
		if err := json.Unmarshal(raw, &back); err != nil || back != p {
			t.Errorf("params JSON does not round-trip: %s (%v)", raw, err)
		}
	}
}

func TestBadGenesis(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*computation.Params)
	}{
		{"treasury above 100%", func(p *computation.Params) { p.TreasuryRatioBps = 10_001 }},
		{"zero v_max", func(p *computation.Params) { p.VMax = fixedpoint.Zero }},
		{"re below 1", func(p *computation.Params) { p.Re = fixedpoint.MustParse("0.9") }},
		{"slash of 1", func(p *computation.Params) { p.SlashRatePerBlock = fixedpoint.One }},
		{"zero window", func(p *computation.Params) { p.HeartbeatWindow = 0 }},
		{"window beyond block hash retention", func(p *computation.Params) { p.HeartbeatWindow = module.BlockHashRetention }},
		{"zero threshold", func(p *computation.Params) { p.ChallengeThreshold = 0 }},
		{"negative cool-down", func(p *computation.Params) { p.CooldownBlocks = -1 }},
		{"min benchmark too high", func(p *computation.Params) { p.MinBenchmark = computation.MaxBenchmark + 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := computation.DefaultParams()
			tc.edit(&p)
			err := initChain(t, map[string]any{computation.Name: computation.Genesis{Params: &p}})
			if !errors.Is(err, computation.ErrBadGenesis) {
				t.Fatalf("got %v, want ErrBadGenesis", err)
			}
		})
	}
	if err := initChain(t, map[string]any{computation.Name: json.RawMessage(`{"params": 7}`)}); !errors.Is(err, computation.ErrBadGenesis) {
		t.Fatalf("malformed section: %v", err)
	}
	if err := initChain(t, nil); err != nil {
		t.Fatalf("no section (defaults): %v", err)
	}
}

func initChain(t *testing.T, sections map[string]any) error {
	t.Helper()
	_, err := apptest.Start(t, nil, sections)
	return err
}

func TestStartComputing(t *testing.T) {
	f, keys := setup(t, testParams(), 100)
	k := keys[0]
	ct.MustOK(t, f.C.Deliver(owner, start(1, k, pha.Whole(2000))))
	s, ok := f.Session(ct.ID(k))
	if !ok || s.State != computation.StateComputing || !s.Online || s.Pool != 1 || s.Benchmark != 100 || s.Stake != pha.Whole(2000) || s.StartHeight != f.C.Height {
		t.Fatalf("session %+v", s)
	}
	// Ve = 1.3 · (2000 + 0.3·100) PHA, conf = 1.
	want, _ := f.Params.InitialV(pha.Whole(2000), 100)
	if s.InitialV != want || s.V != want {
		t.Fatalf("Ve %s, want %s", s.InitialV, want)
	}
	if got := s.InitialV.Format(6); got != "2638.999999" && got != "2639.000000" {
		t.Fatalf("Ve %s, want about 2639", got)
	}
	p := f.Pool(1)
	// Nothing is paid before the first heartbeat.
	if p.FreeStake != pha.Whole(98_000) || p.LockedStake != pha.Whole(2000) || !p.Rewards.IsZero() {
		t.Fatalf("pool free %s locked %s", p.FreeStake.PHA(), p.LockedStake.PHA())
	}
	// V is capped at v_max.
	f2, keys2 := setup(t, testParams(), 100)
	ct.MustOK(t, f2.C.Deliver(owner, start(1, keys2[0], pha.Whole(90_000))))
	if s, _ := f2.Session(ct.ID(keys2[0])); s.V != fixedpoint.FromInt(30_000) {
		t.Fatalf("V %s, want the cap 30000", s.V)
	}
}

func TestStartErrors(t *testing.T) {
	p := testParams()
	for _, tc := range []struct {
		name  string
		score uint64
		prep  func(f *ct.Fixture, k ed25519.PrivateKey)
		stake pha.Amount
		space string
		code  uint32
	}{
		{"benchmark below the minimum", 49, nil, pha.Whole(5000), computation.Codespace, computation.ErrBenchmarkTooLow.Code},
		{"benchmark above the maximum", computation.MaxBenchmark + 1, nil, pha.Whole(90_000), computation.Codespace, computation.ErrBenchmarkTooHigh.Code},
		{"stake below k·sqrt(P)", 100, nil, minus1(pha.Whole(1000)), computation.Codespace, computation.ErrStakeTooLow.Code},
		{"already computing", 100, func(f *ct.Fixture, k ed25519.PrivateKey) {
			ct.MustOK(f.T, f.C.Deliver(owner, start(1, k, pha.Whole(1000))))
		}, pha.Whole(1000), computation.Codespace, computation.ErrSessionExists.Code},
		{"cooling down", 100, func(f *ct.Fixture, k ed25519.PrivateKey) {
			ct.MustOK(f.T, f.C.Deliver(owner, start(1, k, pha.Whole(1000))))
			ct.MustOK(f.T, f.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: ct.ID(k)}))
		}, pha.Whole(1000), computation.Codespace, computation.ErrSessionExists.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, keys := setup(t, p, tc.score)
			if tc.prep != nil {
				tc.prep(f, keys[0])
			}
			before := f.Pool(1)
			apptest.ExpectCode(t, f.C.Deliver(owner, start(1, keys[0], tc.stake)), tc.space, tc.code)
			if after := f.Pool(1); after.LockedStake != before.LockedStake || after.TotalShares != before.TotalShares {
				t.Fatalf("a refused start changed the pool: %+v -> %+v", before, after)
			}
		})
	}
	// Exactly the minimum is enough.
	f, keys := setup(t, p, 100)
	ct.MustOK(t, f.C.Deliver(owner, start(1, keys[0], pha.Whole(1000))))
	// Stopping twice: the second finds no computing session.
	stop := &stakepool.MsgStopComputing{Pool: 1, Worker: ct.ID(keys[0])}
	ct.MustOK(t, f.C.Deliver(owner, stop))
	apptest.ExpectCode(t, f.C.Deliver(owner, stop), computation.Codespace, computation.ErrNotComputing.Code)
}

func minus1(a pha.Amount) pha.Amount {
	d, _ := a.Sub(pha.Units(1))
	return d
}

// TestDirectErrors covers the checks that the stake pool module's own
// checks shadow when going through a transaction.
func TestDirectErrors(t *testing.T) {
	kv := state.OpenMemory()
	ctx := &module.Context{KV: kv, ChainID: "c", Height: 5}
	comp := computation.New(registry.New())
	if err := comp.InitGenesis(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := comp.Start(ctx, registry.WorkerID{1}, 1, pha.Whole(1000)); !errors.Is(err, computation.ErrUnknownWorker) {
		t.Fatalf("start of an unregistered worker: %v", err)
	}
	msg := &mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginContract}, Topic: computation.TopicHeartbeat, Payload: computation.HeartbeatPayload(4)}
	if err := comp.HandleMQ(ctx, msg); !errors.Is(err, computation.ErrNotWorkerOrigin) {
		t.Fatalf("heartbeat from a contract: %v", err)
	}
	msg.Origin.Kind, msg.Topic = mq.OriginWorker, computation.Name+"/other"
	if err := comp.HandleMQ(ctx, msg); !errors.Is(err, mq.ErrNoHandler) {
		t.Fatalf("unknown topic: %v", err)
	}
	if _, err := computation.DecodeHeartbeat([]byte{}); !errors.Is(err, computation.ErrBadHeartbeat) {
		t.Fatalf("empty payload: %v", err)
	}
	if c, err := computation.DecodeHeartbeat(computation.HeartbeatPayload(1234)); err != nil || c != 1234 {
		t.Fatalf("payload round trip: %d %v", c, err)
	}
}

func TestHeartbeatErrors(t *testing.T) {
	f, keys := setup(t, testParams(), 100, 100)
	k, idle := keys[0], keys[1]
	ct.MustOK(t, f.C.Deliver(owner, start(1, k, pha.Whole(1000))))
	started := f.C.Height
	id := ct.ID(k)
	expect := func(name string, res *abci.ExecTxResult, code uint32) {
		t.Helper()
		if res.Codespace != computation.Codespace || res.Code != code {
			t.Fatalf("%s: got %s/%d %q, want %s/%d", name, res.Codespace, res.Code, res.Log, computation.Codespace, code)
		}
	}
	// Each heartbeat goes in block Height+1; a challenge of that very
	// height may be answered in it.
	for f.Challenged(id, f.C.Height+1) {
		f.C.Block()
	}
	expect("not challenged", f.Heartbeat(k, f.C.Height+1), computation.ErrNotChallenged.Code)
	expect("malformed", f.Post(k, f.MQTx(k, computation.TopicHeartbeat, []byte{0x80})), computation.ErrBadHeartbeat.Code)
	expect("future challenge", f.Heartbeat(k, f.C.Height+2), computation.ErrHeartbeatOutside.Code)
	expect("before the session", f.Heartbeat(k, started-1), computation.ErrHeartbeatOutside.Code)
	c := f.NextChallenge(id, f.C.Height+1)
	for f.C.Height+1 < c {
		f.C.Block()
	}
	expect("not computing", f.Heartbeat(idle, c), computation.ErrNotComputing.Code)
	ct.MustOK(t, f.Heartbeat(k, c))
	expect("answered twice", f.Heartbeat(k, c), computation.ErrHeartbeatAnswered.Code)
	old := f.NextChallenge(id, c+1)
	for f.C.Height < old+f.Params.HeartbeatWindow {
		f.C.Block()
	}
	expect("too late", f.Heartbeat(k, old), computation.ErrHeartbeatOutside.Code)
}

// TestChallengeAnswerKeepsOnline: a worker that answers every challenge
// within the window stays online and keeps earning for a long stretch.
func TestChallengeAnswerKeepsOnline(t *testing.T) {
	f, k, id := oneComputing(t)
	answered := 0
	for range 200 {
		next := f.C.Height + 1
		var txs [][]byte
		s, _ := f.Session(id)
		if s.Challenge != 0 {
			txs = append(txs, f.HeartbeatTx(k, s.Challenge))
		}
		res := f.C.Block(txs...)
		for _, r := range res {
			ct.MustOK(t, r)
			f.Sent(k)
			answered++
		}
		s, _ = f.Session(id)
		if !s.Online {
			t.Fatalf("height %d: offline although every challenge was answered", next)
		}
	}
	if answered < 10 {
		t.Fatalf("only %d challenges in 200 blocks at 1/8", answered)
	}
	if f.Pool(1).Rewards.IsZero() {
		t.Fatal("no rewards")
	}
}

func TestOfflineDecayAndRecovery(t *testing.T) {
	f, k, id := oneComputing(t)
	s0, _ := f.Session(id)
	c := f.NextChallenge(id, s0.StartHeight)
	deadline := c + f.Params.HeartbeatWindow
	for f.C.Height < deadline-1 {
		f.C.Block()
	}
	if s, _ := f.Session(id); !s.Online || s.Challenge != c {
		t.Fatalf("before the deadline: online %v, challenge %d (want %d)", s.Online, s.Challenge, c)
	}
	rewards := f.Pool(1).Rewards
	subsidy := f.Balance(balances.SubsidyPool)
	f.C.Block() // the deadline block: the worker goes offline in its EndBlock
	s, _ := f.Session(id)
	// V grew through the block before and is slashed from the deadline
	// block on.
	if s.Online || s.OfflineSince != deadline || s.Challenge != 0 || s.VHeight != deadline-1 {
		t.Fatalf("after the deadline: %+v", s)
	}
	if want := f.Params.ValueAt(&s0, deadline-1); s.V != want {
		t.Fatalf("V %s, want V grown to the block before the deadline %s", s.V, want)
	}
	if !s0.InitialV.LT(s.V) {
		t.Fatalf("V did not grow while online: %s -> %s", s0.InitialV, s.V)
	}
	if f.Pool(1).Rewards != rewards || f.Balance(balances.SubsidyPool) != subsidy {
		t.Fatal("an offline worker (the only one) was paid")
	}
	// V decays by (1 − slash) per block while offline.
	for range 10 {
		f.C.Block()
	}
	var view computation.SessionView
	if res := f.C.Query("/computation/session/"+id.String(), &view); res.Code != 0 {
		t.Fatal(res.Log)
	}
	keep, _ := fixedpoint.One.Sub(f.Params.SlashRatePerBlock)
	factor, _ := keep.Pow(uint64(f.C.Height - s.VHeight))
	want, _ := s.V.Mul(factor)
	if view.VNow != want || !view.VNow.LT(s.V) || view.Height != f.C.Height {
		t.Fatalf("V after 11 offline blocks %s (height %d), want %s", view.VNow, view.Height, want)
	}
	// Any later challenge brings it back, at the decayed V.
	c2 := f.NextChallenge(id, f.C.Height+1)
	for f.C.Height+1 < c2 {
		f.C.Block()
	}
	ct.MustOK(t, f.Heartbeat(k, c2))
	back, _ := f.Session(id)
	if !back.Online || back.OfflineSince != 0 || back.VHeight != c2 || back.V != f.Params.ValueAt(&s, c2-1) {
		t.Fatalf("after recovery %+v", back)
	}
	// The answer that brings it back pays nothing for the stretch away.
	if f.Pool(1).Rewards != rewards || f.Balance(balances.SubsidyPool) != subsidy {
		t.Fatal("paid for the offline stretch")
	}
}

// TestHeartbeatPayoutSplit checks one heartbeat's payout to the unit
// (Phala's update_v_heartbeat): the worker's part of the budget for the
// blocks since its last payout leaves the subsidy pool, the treasury gets
// 20 %, the pool the rest less the owner's commission, and V loses the
// smaller of the payout and what it grew by since the last payout.
func TestHeartbeatPayoutSplit(t *testing.T) {
	p := testParams()
	f := ct.New(t, []apptest.Account{owner, alice, owner2}, p, stakepool.DefaultParams())
	keys := f.Register(owner, []uint32{1}, []uint64{100})
	keys = append(keys, f.Register(owner2, []uint32{2}, []uint64{400})...)
	ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgCreate{CommissionBps: 1000}))
	ct.MustOK(t, f.C.Deliver(owner2, &stakepool.MsgCreate{CommissionBps: 2500}))
	ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgAddWorker{Pool: 1, Worker: ct.ID(keys[0])}))
	ct.MustOK(t, f.C.Deliver(owner2, &stakepool.MsgAddWorker{Pool: 2, Worker: ct.ID(keys[1])}))
	ct.MustOK(t, f.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(3000)}))
	ct.MustOK(t, f.C.Deliver(alice, &stakepool.MsgContribute{Pool: 2, Amount: pha.Whole(7000)}))
	for _, r := range f.C.Block(f.C.Tx(owner, start(1, keys[0], pha.Whole(3000))), f.C.Tx(owner2, start(2, keys[1], pha.Whole(7000)))) {
		ct.MustOK(t, r)
	}
	id := ct.ID(keys[1])
	for range 3 {
		c := f.NextChallenge(id, f.C.Height+2)
		for f.C.Height+1 < c {
			// Keep worker 0 online too.
			if s0, _ := f.Session(ct.ID(keys[0])); s0.Challenge != 0 {
				ct.MustOK(t, f.Heartbeat(keys[0], s0.Challenge))
				continue
			}
			f.C.Block()
		}
		var st computation.Stats
		f.C.Query("/computation/stats", &st)
		subsidy, treasury, o2, p2 := f.Balance(balances.SubsidyPool), f.Balance(balances.Treasury), f.Balance(owner2.Addr), f.Pool(2)
		s, _ := f.Session(id)
		v, ded := p.ValueAt(&s, c-1), p.Deductible(&s, c-1)
		sh, _ := computation.Share(v, s.Benchmark)
		budget := apptest.MulDiv(t, mulDivBig(t, p.BudgetPerBlock, sh, st.LastShares), pha.Units(uint64(c-s.VHeight)), pha.Units(1))
		tr := apptest.MulDiv(t, budget, pha.Units(2000), pha.Units(10_000))
		payout := apptest.Sub(t, budget, tr)
		comm := apptest.MulDiv(t, payout, pha.Units(2500), pha.Units(10_000))
		ct.MustOK(t, f.Heartbeat(keys[1], c))
		if got := apptest.Sub(t, subsidy, f.Balance(balances.SubsidyPool)); got != budget || budget.IsZero() {
			t.Fatalf("subsidy paid %s, want the worker's budget %s", got, budget)
		}
		if got := apptest.Sub(t, f.Balance(balances.Treasury), treasury); got != apptest.Add(t, tr, apptest.Fee()) {
			t.Fatalf("treasury got %s, want 20 %% %s + the apptest.Fee()", got, tr)
		}
		if got := apptest.Sub(t, f.Balance(owner2.Addr), o2); got != comm {
			t.Fatalf("owner 2 commission %s, want %s", got, comm)
		}
		if got := apptest.Sub(t, f.Pool(2).Rewards, p2.Rewards); got != apptest.Sub(t, payout, comm) {
			t.Fatalf("pool 2 gained %s, want %s", got, apptest.Sub(t, payout, comm))
		}
		after, _ := f.Session(id)
		payoutV, _ := fixedpoint.FromAmount(payout)
		wantV, _ := v.Sub(ded.Min(payoutV))
		if after.V != wantV || after.VHeight != c {
			t.Fatalf("V after the payout %s at %d, want %s − min(%s, %s) = %s", after.V, after.VHeight, v, ded, payoutV, wantV)
		}
	}
	var st computation.Stats
	f.C.Query("/computation/stats", &st)
	if st.Payouts < 3 || apptest.Add(t, st.ToPools, st.ToTreasury) != st.Spent || st.LastOnline != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// mulDivBig is floor(a·num/den) in math/big, independent of fixedpoint.
func mulDivBig(t *testing.T, a pha.Amount, num, den fixedpoint.U64F64) pha.Amount {
	t.Helper()
	raw := func(x fixedpoint.U64F64) *big.Int {
		hi, lo := x.Bits()
		b := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		return b.Or(b, new(big.Int).SetUint64(lo))
	}
	p := new(big.Int).Mul(a.Big(), raw(num))
	out, err := pha.FromBig(p.Quo(p, raw(den)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStopAndCooldown(t *testing.T) {
	f, k, id := oneComputing(t)
	f.C.Block()
	ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: id}))
	stopped := f.C.Height
	s, _ := f.Session(id)
	if s.State != computation.StateCoolingDown || s.Online || s.CoolingUntil != stopped+f.Params.CooldownBlocks {
		t.Fatalf("after stop %+v", s)
	}
	rewards := f.Pool(1).Rewards
	for f.C.Height < s.CoolingUntil-1 {
		f.C.Block()
		if p := f.Pool(1); p.LockedStake != pha.Whole(1000) || p.Rewards != rewards {
			t.Fatalf("height %d: cooling stake released early or paid: %+v", f.C.Height, p)
		}
	}
	free := f.Pool(1).FreeStake
	f.C.Block()
	if _, ok := f.Session(id); ok {
		t.Fatal("session kept after the cool-down")
	}
	p := f.Pool(1)
	if !p.LockedStake.IsZero() || p.FreeStake != apptest.Add(t, free, pha.Whole(1000)) {
		t.Fatalf("after release %+v", p)
	}
	// It may start again.
	ct.MustOK(t, f.C.Deliver(owner, start(1, k, pha.Whole(1000))))
}

func TestChallengedRate(t *testing.T) {
	p := computation.DefaultParams()
	hits := 0
	const n = 360_000
	var w [32]byte
	for i := range n {
		h := apptest.BlockHash(int64(i))
		w[0] = byte(i)
		if computation.Challenged(h, w, p.ChallengeThreshold) {
			hits++
		}
	}
	// 360,000 one-second blocks are 100 hours: about 200 challenges.
	if hits < 150 || hits > 250 {
		t.Fatalf("%d challenges in 100 hours, want about 200", hits)
	}
	if computation.Challenged(nil, w, ^uint64(0)) {
		t.Fatal("challenged without a block hash")
	}
	if !computation.Challenged([]byte{1}, w, ^uint64(0)) || computation.Challenged([]byte{1}, w, 0) {
		t.Fatal("threshold bounds")
	}
	// The definition, spelled out for whoever implements the worker side:
	// SHA-256 of the domain, the block hash and the worker id; the first 8
	// bytes big-endian against the threshold.
	var id [32]byte
	for i := range id {
		id[i] = byte(i)
	}
	hash := apptest.BlockHash(41)
	sum := sha256.Sum256(append(append([]byte("phala/computation/challenge/v1"), hash...), id[:]...))
	x := binary.BigEndian.Uint64(sum[:8])
	for _, th := range []uint64{x, x + 1, x / 2, ^uint64(0)} {
		if got, want := computation.Challenged(hash, id, th), x < th; got != want {
			t.Fatalf("threshold %d: challenged %v, want %v", th, got, want)
		}
	}
	long := make([]byte, 100)
	long[99] = 7
	sum = sha256.Sum256(append(append([]byte("phala/computation/challenge/v1"), long...), id[:]...))
	x = binary.BigEndian.Uint64(sum[:8])
	if computation.Challenged(long, id, x) || !computation.Challenged(long, id, x+1) {
		t.Fatal("a hash longer than 64 bytes")
	}
}
