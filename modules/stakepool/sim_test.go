package stakepool_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/mining"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// The economy simulation: 30 days of the state machine, driven block by
// block through the real app with no network.
//
// Block time. 30 days of 1-second blocks are 2.6 million blocks, too many
// for a unit test, so the simulation runs the same economy expressed for
// 60-second blocks (computation.ParamsFor(60), stakepool.ParamsFor(60)):
// 43,200 blocks, 500 PHA of budget per block, a 2-block heartbeat window,
// a challenge per worker about every 30 blocks, a 10,080-block (7-day)
// cool-down and grace period. The budget schedule runs every 7 days
// instead of Phala's 180, so that 30 days see it lower the budget four
// times. The per-block logic is identical; only the parameters scale.
//
// The cast: 50 workers (random P) in 5 pools of 10, one per owner, with
// commissions from 0 to 50 %; 20 delegators; 2 vaults (20 % and 5 %
// commission) whose owners delegate their depositors' PHA to the pools.
// Workers go down and come back at random (seeded); an up worker answers
// its challenges (sometimes in the last block of the window), a down one
// does not and goes offline. Pool 5's workers are down and nobody touches
// the pool until day 20, so a withdrawal there on day 1 waits out the
// grace period and forces a stop of workers that were offline for days:
// their stake comes back slashed. Delegators contribute, deposit into
// vaults and withdraw at random; owners stop and restart workers.
//
// After every block it checks: the supply (apptest); the subsidy pool
// paid exactly what the heartbeats' payouts spent, all of it to the pools
// and the treasury; the treasury got exactly fees + its part of the
// payouts + the slashes; every payout went to a worker that was online
// before its heartbeat (the answer that brings an offline worker back pays
// nothing) and took from V no more than it paid; V stays within [0,
// v_max]; each released session's slash is its stake less
// stake·min(V/Ve, 1), and the pools and the totals book exactly that; the
// budget per block follows the schedule; the pools' rewards add up to
// what the payouts paid them; the stake account holds exactly the pools'
// free and locked stake, and each pool's locked stake is its sessions'
// stake; shares add up; no pool's share price fell but by a slash, and no
// vault's price is below its high-water mark unless a slash hit one of
// its pools; withdrawals are served in FIFO order (only the head of a
// queue is ever paid) and none waits longer than grace + cool-down. No
// balance can go negative: amounts are unsigned and every subtraction is
// checked, so one that would would fail a transaction (the simulation
// requires every transaction to succeed) or halt the block.

const (
	simDays       = 30
	simBlockSecs  = 60
	simWorkers    = 50
	simPools      = 5
	simDelegators = 20
	simVaults     = 2
	// simHalvingBlocks runs the budget schedule every 7 days of 60-s
	// blocks.
	simHalvingBlocks = 7 * 1440
)

var (
	pk stakepool.Keeper
	ck computation.Keeper
	rk registry.Keeper
	vk vault.Keeper
)

type sim struct {
	t      *testing.T
	f      *ct.Fixture
	r      *rand.Rand
	cp     computation.Params
	sp     stakepool.Params
	owners []apptest.Account
	dels   []apptest.Account
	vowner []apptest.Account
	keys   []ed25519.PrivateKey
	pool   []uint64 // worker index -> pool id
	up     []bool
	// statistics
	initial                         bool
	last                            snapshot
	heartbeats, withdrawals, served int
	maxWait                         int64
	// budget is the budget per block the schedule should give; slashed
	// marks the vaults whose pools were slashed (their price may sit below
	// the high-water mark); slashes and payouts count what happened.
	budget           pha.Amount
	slashed          map[uint64]bool
	slashes, payouts int
}

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{t: t, r: rand.New(rand.NewPCG(seed, 7)), cp: computation.ParamsFor(simBlockSecs), sp: stakepool.ParamsFor(simBlockSecs), slashed: map[uint64]bool{}}
	s.cp.BudgetHalvingInterval = simHalvingBlocks
	s.budget = s.cp.BudgetPerBlock
	var accounts []apptest.Account
	for i := range simPools {
		s.owners = append(s.owners, apptest.NewAccount(byte(10+i)))
	}
	for i := range simDelegators {
		s.dels = append(s.dels, apptest.NewAccount(byte(30+i)))
	}
	for i := range simVaults {
		s.vowner = append(s.vowner, apptest.NewAccount(byte(60+i)))
	}
	accounts = append(append(append(accounts, s.owners...), s.dels...), s.vowner...)
	s.f = ct.New(t, accounts, s.cp, s.sp)
	c := s.f.C
	commissions := []uint32{0, 500, 1000, 2000, 5000}
	var create [][]byte
	for i, o := range s.owners {
		create = append(create, c.Tx(o, &stakepool.MsgCreate{CommissionBps: commissions[i]}))
	}
	for i, o := range s.vowner {
		create = append(create, c.Tx(o, &vault.MsgCreate{CommissionBps: []uint32{2000, 500}[i]}))
	}
	s.mustBlock(create...)
	for i := range simWorkers {
		op := i % simPools
		p := uint64(60 + s.r.IntN(3000))
		k := s.f.Register(s.owners[op], []uint32{uint32(100 + i)}, []uint64{p})[0]
		s.keys = append(s.keys, k)
		s.pool = append(s.pool, uint64(op+1))
		s.up = append(s.up, op+1 != simPools) // pool 5's workers start down
	}
	var add [][]byte
	for i, k := range s.keys {
		add = append(add, c.Tx(s.owners[s.pool[i]-1], &stakepool.MsgAddWorker{Pool: s.pool[i], Worker: ct.ID(k)}))
	}
	s.mustBlock(add...)
	var contrib [][]byte
	for i, d := range s.dels {
		contrib = append(contrib, c.Tx(d, &stakepool.MsgContribute{Pool: uint64(i%simPools + 1), Amount: pha.Whole(uint64(20_000 + s.r.IntN(60_000)))}))
		contrib = append(contrib, c.Tx(d, &vault.MsgDeposit{Vault: uint64(i%simVaults + 1), Amount: pha.Whole(uint64(5_000 + s.r.IntN(10_000)))}))
	}
	s.mustBlock(contrib...)
	// Each vault delegates most of its deposits across pools 1-4 and 5.
	var delegate [][]byte
	for v := range simVaults {
		free := s.f.Balance(vault.AccountOf(uint64(v + 1)))
		part := apptest.MulDiv(t, free, pha.Units(1), pha.Units(6))
		for pool := uint64(1); pool <= simPools; pool++ {
			delegate = append(delegate, c.Tx(s.vowner[v], &vault.MsgDelegate{Vault: uint64(v + 1), Pool: pool, Amount: part}))
		}
	}
	s.mustBlock(delegate...)
	var starts [][]byte
	s.initial = true
	defer func() { s.initial = false }()
	for i := range s.keys {
		if tx := s.startTx(i); tx != nil {
			starts = append(starts, tx)
		}
	}
	s.mustBlock(starts...)
	return s
}

func (s *sim) mustBlock(txs ...[]byte) []*abci.ExecTxResult {
	s.t.Helper()
	res := s.f.C.Block(txs...)
	for i, r := range res {
		if r.Code != 0 {
			s.t.Fatalf("height %d tx %d: %s/%d %s", s.f.C.Height, i, r.Codespace, r.Code, r.Log)
		}
	}
	return res
}

func (s *sim) kv() state.KV { return s.f.C.App.Store() }

// startTx starts worker i with its minimum stake plus up to 50 % if it has
// no session and its pool has the stake free.
func (s *sim) startTx(i int) []byte {
	id := ct.ID(s.keys[i])
	if _, ok := s.f.Session(id); ok {
		return nil
	}
	rec, _ := rk.Worker(s.kv(), id)
	min := s.cp.MinStake(rec.BenchmarkScore)
	stake := apptest.Add(s.t, min, apptest.MulDiv(s.t, min, pha.Units(uint64(s.r.IntN(50))), pha.Units(100)))
	p := s.f.Pool(s.pool[i])
	if p.ID == simPools && s.initial {
		// Pool 5 puts nearly all its stake to work at the start, so a
		// large withdrawal there must wait.
		if share := apptest.MulDiv(s.t, p.FreeStake, pha.Units(1), pha.Units(uint64(simWorkers/simPools))); min.LT(share) {
			stake = share
		}
	}
	if p.FreeStake.LT(stake) || p.QueueTail > p.QueueHead {
		return nil
	}
	return s.f.C.Tx(s.owners[s.pool[i]-1], &stakepool.MsgStartComputing{Pool: s.pool[i], Worker: id, Stake: stake})
}

// snapshot is what the invariants compare from block to block.
type snapshot struct {
	stats             computation.Stats
	subsidy, treasury pha.Amount
	pools             []stakepool.Pool
	queues            map[uint64][]stakepool.Withdrawal
	sessions          map[registry.WorkerID]computation.Session
}

func (s *sim) snap() snapshot {
	kv := s.kv()
	sn := snapshot{stats: ck.Stats(kv), subsidy: s.f.Balance(balances.SubsidyPool), treasury: s.f.Balance(balances.Treasury),
		queues: map[uint64][]stakepool.Withdrawal{}, sessions: map[registry.WorkerID]computation.Session{}}
	pk.IteratePools(kv, func(p stakepool.Pool) bool {
		sn.pools = append(sn.pools, p)
		sn.queues[p.ID] = pk.Queue(kv, &p)
		return true
	})
	ck.IterateSessions(kv, func(se *computation.Session) bool {
		sn.sessions[se.Worker] = *se
		return true
	})
	return sn
}

// step plans and runs one block.
func (s *sim) step(day int) int {
	c := s.f.C
	next := c.Height + 1
	var txs [][]byte
	var sent []ed25519.PrivateKey
	for i, k := range s.keys {
		flaky := s.pool[i] == simPools
		if s.up[i] {
			if (flaky && s.r.IntN(200) == 0) || s.r.IntN(2880) == 0 { // up for 2 days on average
				s.up[i] = false
			}
		} else if (!flaky && s.r.IntN(360) == 0) || (flaky && day >= 20 && s.r.IntN(2000) == 0) { // down for 6 hours
			s.up[i] = true
		}
		if !s.up[i] {
			continue
		}
		sess, ok := s.f.Session(ct.ID(k))
		if !ok || sess.State != computation.StateComputing {
			continue
		}
		switch {
		case sess.Online && sess.Challenge != 0:
			// Answer in the block after the challenge, or sometimes in
			// the last block of the window.
			if next-sess.Challenge >= s.cp.HeartbeatWindow || s.r.IntN(5) != 0 {
				txs = append(txs, s.f.HeartbeatTx(k, sess.Challenge))
				sent = append(sent, k)
			}
		case !sess.Online && s.f.Challenged(ct.ID(k), next):
			txs = append(txs, s.f.HeartbeatTx(k, next))
			sent = append(sent, k)
		}
	}
	// Delegators.
	if s.r.IntN(40) == 0 {
		d := s.dels[s.r.IntN(len(s.dels))]
		pool := uint64(s.r.IntN(simPools) + 1)
		if pool == simPools && day < 20 {
			pool = 1 // pool 5 is out of favour until day 20
		}
		held := pk.Shares(s.kv(), pool, d.Addr)
		_, pending := pk.Queued(s.kv(), pool, d.Addr)
		if s.r.IntN(2) == 0 || held.IsZero() || pending {
			txs = append(txs, c.Tx(d, &stakepool.MsgContribute{Pool: pool, Amount: pha.Whole(uint64(100 + s.r.IntN(20_000)))}))
		} else {
			shares := held
			if s.r.IntN(3) != 0 {
				shares = apptest.MulDiv(s.t, held, pha.Units(uint64(1+s.r.IntN(99))), pha.Units(100))
			}
			if !shares.IsZero() {
				txs = append(txs, c.Tx(d, &stakepool.MsgWithdraw{Pool: pool, Shares: shares}))
				s.withdrawals++
			}
		}
	}
	// Vault holders.
	if s.r.IntN(60) == 0 {
		d := s.dels[s.r.IntN(len(s.dels))]
		v := uint64(s.r.IntN(simVaults) + 1)
		held := vk.Shares(s.kv(), v, d.Addr)
		_, pending := vk.Queued(s.kv(), v, d.Addr)
		if s.r.IntN(2) == 0 || held.IsZero() || pending {
			txs = append(txs, c.Tx(d, &vault.MsgDeposit{Vault: v, Amount: pha.Whole(uint64(100 + s.r.IntN(5_000)))}))
		} else if part := apptest.MulDiv(s.t, held, pha.Units(uint64(1+s.r.IntN(99))), pha.Units(100)); !part.IsZero() {
			txs = append(txs, c.Tx(d, &vault.MsgWithdraw{Vault: v, Shares: part}))
		}
	}
	// The scripted long wait: on day 1 a delegator of pool 5 takes
	// everything out while the pool's stake is locked and its workers are
	// mostly down.
	if next == 1440 {
		d := s.dels[simPools-1]
		if held := pk.Shares(s.kv(), simPools, d.Addr); !held.IsZero() {
			txs = append(txs, c.Tx(d, &stakepool.MsgWithdraw{Pool: simPools, Shares: held}))
			s.withdrawals++
		}
	}
	// Owners.
	if s.r.IntN(300) == 0 {
		i := s.r.IntN(len(s.keys))
		if s.pool[i] == simPools && day < 20 {
			i = 0 // pool 5's owner stays away until day 20
		}
		if sess, ok := s.f.Session(ct.ID(s.keys[i])); ok && sess.State == computation.StateComputing {
			txs = append(txs, c.Tx(s.owners[s.pool[i]-1], &stakepool.MsgStopComputing{Pool: s.pool[i], Worker: ct.ID(s.keys[i])}))
		} else if tx := s.startTx(i); tx != nil {
			txs = append(txs, tx)
		}
	}
	before := s.last
	if before.pools == nil {
		before = s.snap()
	}
	res := s.mustBlock(txs...)
	for _, k := range sent {
		s.f.Sent(k)
	}
	s.heartbeats += len(sent)
	s.check(before, len(txs), res)
	return len(txs)
}

func (s *sim) check(before snapshot, ntx int, res []*abci.ExecTxResult) {
	t, h := s.t, s.f.C.Height
	after := s.snap()
	s.last = after // nothing changes between blocks
	// Budget: the subsidy pool paid exactly the payouts' budgets, split
	// between the pools and the treasury.
	spent := apptest.Sub(t, after.stats.Spent, before.stats.Spent)
	if got := apptest.Sub(t, before.subsidy, after.subsidy); got != spent {
		t.Fatalf("height %d: the subsidy pool paid %s, payouts spent %s", h, got, spent)
	}
	toPools := apptest.Sub(t, after.stats.ToPools, before.stats.ToPools)
	toTreasury := apptest.Sub(t, after.stats.ToTreasury, before.stats.ToTreasury)
	if apptest.Add(t, toPools, toTreasury) != spent {
		t.Fatalf("height %d: pools %s + treasury %s != spent %s", h, toPools, toTreasury, spent)
	}
	paid := s.checkPayouts(before, after, res)
	if paid != toPools {
		t.Fatalf("height %d: heartbeats paid %s, the totals say %s", h, paid, toPools)
	}
	slashed := s.checkReleases(before, after)
	// Treasury: fees, its part of the payouts, and the slashes.
	fees := apptest.MulDiv(t, apptest.Fee(), pha.Units(uint64(ntx)), pha.Units(1))
	if got, want := apptest.Sub(t, after.treasury, before.treasury), apptest.Add(t, apptest.Add(t, fees, toTreasury), slashed); got != want {
		t.Fatalf("height %d: treasury gained %s, want fees %s + %s + slashes %s", h, got, fees, toTreasury, slashed)
	}
	// The budget schedule.
	if h%simHalvingBlocks == 0 {
		s.budget = apptest.MulDiv(t, s.budget, pha.Units(3), pha.Units(4))
	}
	if got := ck.Params(s.kv()).BudgetPerBlock; got != s.budget {
		t.Fatalf("height %d: budget per block %s, the schedule gives %s", h, got.PHA(), s.budget.PHA())
	}
	s.checkPools(before, after, toPools)
	s.checkVaults(before, after)
}

func diffUnits(a, b pha.Amount) uint64 {
	if a.LT(b) {
		a, b = b, a
	}
	d, _ := a.Sub(b)
	return d.Uint128().Lo
}

// checkPayouts: every heartbeat's payout went to a worker that was online
// before it, and V lost no more than the payout; V stays within [0,
// v_max]. It returns what the heartbeats paid.
func (s *sim) checkPayouts(before, after snapshot, res []*abci.ExecTxResult) pha.Amount {
	t, h := s.t, s.f.C.Height
	var paid pha.Amount
	for _, r := range res {
		for _, ev := range r.Events {
			if ev.Type != computation.EventHeartbeat {
				continue
			}
			var id registry.WorkerID
			var payout pha.Amount
			for _, a := range ev.Attributes {
				switch a.Key {
				case computation.AttrWorker:
					b, _ := hex.DecodeString(a.Value)
					copy(id[:], b)
				case computation.AttrPayout:
					n, ok := new(big.Int).SetString(a.Value, 10)
					if !ok {
						t.Fatalf("payout %q", a.Value)
					}
					payout, _ = pha.FromBig(n)
				}
			}
			was := before.sessions[id]
			if !payout.IsZero() {
				if !was.Online {
					t.Fatalf("height %d: worker %s was offline and its heartbeat paid %s", h, id, payout.PHA())
				}
				s.payouts++
				paid = apptest.Add(t, paid, payout)
			}
			now := after.sessions[id]
			grown := s.cp.ValueAt(&was, h-1)
			pv, _ := fixedpoint.FromAmount(payout)
			floor, _ := grown.Sub(pv.Min(grown))
			if was.Online && now.V.LT(floor) {
				t.Fatalf("height %d: worker %s's V fell from %s to %s on a payout of %s", h, id, grown, now.V, payout.PHA())
			}
		}
	}
	for id, se := range after.sessions {
		if s.cp.VMax.LT(se.V) || s.cp.VMax.LT(s.cp.ValueAt(&se, h)) {
			t.Fatalf("height %d: worker %s's V %s is above v_max", h, id, se.V)
		}
	}
	return paid
}

// checkReleases: each session released in the block lost exactly stake −
// stake·min(V/Ve, 1), booked by its pool and the totals. It returns the
// block's slashes.
func (s *sim) checkReleases(before, after snapshot) pha.Amount {
	t, h := s.t, s.f.C.Height
	var total pha.Amount
	perPool := map[uint64]pha.Amount{}
	for id, se := range before.sessions {
		if _, still := after.sessions[id]; still || se.State != computation.StateCoolingDown {
			continue
		}
		returned, slashed := mining.FinalStake(se.Stake, se.V, se.InitialV)
		ratio, _ := se.V.Div(se.InitialV)
		if want, _ := fixedpoint.MulAmount(se.Stake, ratio.Min(fixedpoint.One)); want != returned || apptest.Add(t, returned, slashed) != se.Stake {
			t.Fatalf("height %d: %s returned %s + slashed %s of %s, want stake·V/Ve = %s", h, id, returned, slashed, se.Stake, want)
		}
		total = apptest.Add(t, total, slashed)
		perPool[se.Pool] = apptest.Add(t, perPool[se.Pool], slashed)
		if !slashed.IsZero() {
			s.slashes++
		}
	}
	if got := apptest.Sub(t, after.stats.Slashed, before.stats.Slashed); got != total {
		t.Fatalf("height %d: totals slashed %s, released sessions lost %s", h, got, total)
	}
	for i, p := range after.pools {
		if got := apptest.Sub(t, p.Slashed, before.pools[i].Slashed); got != perPool[p.ID] {
			t.Fatalf("height %d pool %d: booked a slash of %s, its sessions lost %s", h, p.ID, got, perPool[p.ID])
		}
	}
	return total
}

// checkPools: rewards booked, stake accounted, shares conserved, the price
// fell only by a slash, and the queues.
func (s *sim) checkPools(before, after snapshot, toPools pha.Amount) {
	t, h := s.t, s.f.C.Height
	kv := s.kv()
	locked := map[uint64]pha.Amount{}
	for _, se := range after.sessions {
		locked[se.Pool] = apptest.Add(t, locked[se.Pool], se.Stake)
	}
	var booked, held pha.Amount
	for i, p := range after.pools {
		q := before.pools[i]
		booked = apptest.Add(t, booked, apptest.Add(t, apptest.Sub(t, p.Rewards, q.Rewards), apptest.Sub(t, p.OwnerRewards, q.OwnerRewards)))
		held = apptest.Add(t, held, p.Value())
		if p.LockedStake != locked[p.ID] {
			t.Fatalf("height %d pool %d: locked %s, sessions hold %s", h, p.ID, p.LockedStake, locked[p.ID])
		}
		var shares pha.Amount
		pk.IterateShares(kv, p.ID, func(_ address.Address, a pha.Amount) bool {
			shares = apptest.Add(t, shares, a)
			return true
		})
		for _, w := range after.queues[p.ID] {
			shares = apptest.Add(t, shares, w.Shares)
		}
		if shares != p.TotalShares {
			t.Fatalf("height %d pool %d: holders and queue have %s shares, total %s", h, p.ID, shares, p.TotalShares)
		}
		if p.Slashed != q.Slashed {
			s.markSlashed(p.ID)
		} else if !q.TotalShares.IsZero() && !p.TotalShares.IsZero() {
			// V'/T' >= V/T  <=>  V'·T >= V·T'
			l := new(big.Int).Mul(p.Value().Big(), q.TotalShares.Big())
			r := new(big.Int).Mul(q.Value().Big(), p.TotalShares.Big())
			if l.Cmp(r) < 0 {
				t.Fatalf("height %d pool %d: share price fell from %s to %s without a slash", h, p.ID, q.Price(), p.Price())
			}
		}
		s.checkQueue(p, before.queues[p.ID], after.queues[p.ID])
	}
	if booked != toPools {
		t.Fatalf("height %d: pools booked %s, payouts paid them %s", h, booked, toPools)
	}
	if got := s.f.Balance(balances.StakeAccount); got != held {
		t.Fatalf("height %d: stake account holds %s, pools are worth %s", h, got, held)
	}
}

// markSlashed records that the vaults holding pool id's shares may sit
// below their high-water mark from now on.
func (s *sim) markSlashed(id uint64) {
	vk.IterateVaults(s.kv(), func(v vault.Vault) bool {
		if slices.Contains(v.Pools, id) {
			s.slashed[v.ID] = true
		}
		return true
	})
}

// checkVaults: a vault's share price is at or above its high-water mark
// (the price it last took commission at) unless a slash hit one of its
// pools: commission is only ever taken on gains.
func (s *sim) checkVaults(_, _ snapshot) {
	t, h := s.t, s.f.C.Height
	kv := s.kv()
	vk.IterateVaults(kv, func(v vault.Vault) bool {
		if v.TotalShares.IsZero() || s.slashed[v.ID] {
			return true
		}
		value := vk.Value(kv, &v)
		price, err := sharepool.Price(value, v.TotalShares)
		if err != nil {
			t.Fatalf("height %d vault %d: price: %v", h, v.ID, err)
		}
		if diffUnits(price, v.HighWater) > 1 && price.LT(v.HighWater) {
			t.Fatalf("height %d vault %d: price %s below the high-water mark %s without a slash", h, v.ID, price, v.HighWater)
		}
		return true
	})
}

// checkQueue: only the head of a queue is ever paid in part, requests
// leave from the front, in order, and none waits past grace + cool-down.
func (s *sim) checkQueue(p stakepool.Pool, before, after []stakepool.Withdrawal) {
	t, h := s.t, s.f.C.Height
	bound := s.sp.GraceBlocks + s.cp.CooldownBlocks
	for i, w := range after {
		if w.Seq != p.QueueHead+uint64(i) {
			t.Fatalf("height %d pool %d: queue entry %d has seq %d, head %d", h, p.ID, i, w.Seq, p.QueueHead)
		}
		if wait := h - w.Height; wait > bound {
			t.Fatalf("height %d pool %d: request %d waited %d blocks, bound %d", h, p.ID, w.Seq, wait, bound)
		} else if wait > s.maxWait {
			s.maxWait = wait
		}
	}
	for _, w := range before {
		if w.Seq < p.QueueHead {
			s.served++
			continue
		}
		now := after[w.Seq-p.QueueHead]
		if now.Shares != w.Shares && w.Seq != p.QueueHead {
			t.Fatalf("height %d pool %d: request %d was paid while %d is ahead of it", h, p.ID, w.Seq, p.QueueHead)
		}
	}
}

func TestEconomySimulation(t *testing.T) {
	skipSimUnderRace(t)
	days := simDays
	if testing.Short() {
		days = 3
	}
	began := time.Now()
	s := newSim(t, 2026)
	blocks := int64(days * 86_400 / simBlockSecs)
	first := s.f.C.Height
	txs := 0
	for s.f.C.Height < first+blocks {
		txs += s.step(int((s.f.C.Height - first) * simBlockSecs / 86_400))
	}
	st := ck.Stats(s.kv())
	var pools []stakepool.PoolSummary
	s.f.C.Query("/stakepool/pools", &pools)
	t.Logf("%d blocks (%d days of %d-s blocks) in %s: %d txs, %d heartbeats (%d paid), %d withdrawals (%d of them queued), longest wait %d blocks",
		blocks, days, simBlockSecs, time.Since(began).Round(time.Millisecond), txs, s.heartbeats, s.payouts, s.withdrawals, s.served, s.maxWait)
	t.Logf("economy: %d payouts, %s spent, %s to pools, %s to the treasury; %d sessions slashed for %s; budget now %s a block",
		st.Payouts, st.Spent.PHA(), st.ToPools.PHA(), st.ToTreasury.PHA(), s.slashes, st.Slashed.PHA(), ck.Params(s.kv()).BudgetPerBlock.PHA())
	for _, p := range pools {
		t.Logf("pool %d: commission %d bps, value %s, price %s, rewards %s, owner %s, slashed %s, queue %d..%d", p.ID, p.CommissionBps, p.Value.PHA(), p.Price, p.Rewards.PHA(), p.OwnerRewards.PHA(), p.Slashed.PHA(), p.QueueHead, p.QueueTail)
	}
	vk.IterateVaults(s.kv(), func(v vault.Vault) bool {
		t.Logf("vault %d: value %s, shares %s, high-water %s, commission shares %s", v.ID, vk.Value(s.kv(), &v).PHA(), v.TotalShares.PHA(), v.HighWater, v.CommissionShares.PHA())
		return true
	})
	if !testing.Short() {
		if s.maxWait <= s.sp.GraceBlocks {
			t.Fatalf("no request waited past the grace period (longest %d blocks): the forced stop was not exercised", s.maxWait)
		}
		if s.slashes == 0 {
			t.Fatal("no session was slashed: the offline stretch was not exercised")
		}
		if s.payouts < s.heartbeats/2 {
			t.Fatalf("only %d of %d heartbeats paid", s.payouts, s.heartbeats)
		}
	}
}

// TestEconomySimulationDeterminism: two apps fed the same two simulated
// days (one with -short) reach the same AppHash at every height.
func TestEconomySimulationDeterminism(t *testing.T) {
	skipSimUnderRace(t)
	days := 2
	if testing.Short() {
		days = 1
	}
	run := func() []string {
		s := newSim(t, 99)
		var hashes []string
		for range days * 86_400 / simBlockSecs {
			s.step(0)
			hashes = append(hashes, hex.EncodeToString(s.f.C.App.Store().Hash()))
		}
		return hashes
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("AppHashes differ from block %d on", i)
			}
		}
	}
}

// skipSimUnderRace skips a simulation under the race detector: it drives
// the state machine from one goroutine for minutes, where the detector has
// nothing to check and costs 80 CPU-seconds even with -short, and
// scripts/test.sh runs both simulations in full without it. The package's
// other tests run under the detector.
func skipSimUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("a single-goroutine simulation: runs in full without the race detector (scripts/test.sh)")
	}
}
