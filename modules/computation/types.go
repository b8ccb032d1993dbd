// Package computation is the chain side of Phala's computation (mining):
// sessions of registered workers that stake PHA from a stake pool, their
// value V and benchmark score P, the per-block heartbeat challenge, the
// per-block reward budget split by share = sqrt(V² + (2·P·conf)²) among the
// workers that are online, offline decay of V, and the cool-down that
// returns stake to the pool after a session stops.
//
// Everything is deterministic: fixed-point arithmetic (package fixedpoint),
// block height only (never time), sessions walked in key order. Rewards come
// from the subsidy pool account (balances.SubsidyPool); nothing is minted.
//
// The stake pool module drives sessions (Start, Stop) and receives what
// computation pays out through the Pools interface.
package computation

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/mining"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path, key prefix and mq
// topic owner.
const Name = "computation"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the computation module.
var (
	ErrBadGenesis         = abcierr.Register(Codespace, 2, "invalid computation genesis")
	ErrUnknownWorker      = abcierr.Register(Codespace, 3, "unknown worker")
	ErrBenchmarkTooLow    = abcierr.Register(Codespace, 4, "benchmark score below the minimum")
	ErrStakeTooLow        = abcierr.Register(Codespace, 5, "stake below k·sqrt(P)")
	ErrSessionExists      = abcierr.Register(Codespace, 6, "worker is computing or cooling down")
	ErrNotComputing       = abcierr.Register(Codespace, 7, "worker is not computing")
	ErrBadHeartbeat       = abcierr.Register(Codespace, 8, "malformed heartbeat")
	ErrNotChallenged      = abcierr.Register(Codespace, 9, "worker was not challenged at that height")
	ErrHeartbeatOutside   = abcierr.Register(Codespace, 10, "challenge is outside the heartbeat window")
	ErrBenchmarkTooHigh   = abcierr.Register(Codespace, 11, "benchmark score above the maximum")
	ErrHeartbeatAnswered  = abcierr.Register(Codespace, 12, "challenge already answered")
	ErrNotWorkerOrigin    = abcierr.Register(Codespace, 13, "heartbeats come from worker origins")
	ErrArithmeticOverflow = abcierr.Register(Codespace, 14, "computation arithmetic overflow")
	ErrParamOutOfBounds   = abcierr.Register(Codespace, 15, "computation parameter outside Phala's bounds")
)

// Confidence is the confidence level factor conf of Phala's formulas. Phala
// grades it by TEE kind (1 for the most trusted CPUs); this chain treats
// every accepted TEE alike, so conf = 1: the initial V is re·(stake +
// rig_k·P + rig_b) and the share is sqrt(V² + (2·P)²).
const Confidence = 1

// MaxBenchmark bounds P so that (2·P)² and V² add up without overflow in
// 64.64 fixed point; real scores are in the thousands.
const MaxBenchmark = 1 << 24

// Session states.
const (
	// StateComputing: the worker's stake is locked and it earns rewards
	// while online.
	StateComputing = "computing"
	// StateCoolingDown: the session stopped; the stake returns to the pool
	// at CoolingUntil.
	StateCoolingDown = "cooling_down"
)

// Session is a worker's computation session, from start_computing until its
// stake is released after the cool-down.
//
// V is kept lazily: V is the value after block VHeight; while the worker
// is online each later block adds (ρ−1)·V + cost_k·P + cost_b up to v_max
// (Phala's idle update), and while offline each block takes slash_rate·V
// away. The value at any height is ValueAt, so a session record changes
// only on events (start, challenge, heartbeat, offline, stop), not every
// block. What the idle blocks added since VHeight is the deductible, which
// a heartbeat's payout takes back out of V (Deductible).
type Session struct {
	Worker registry.WorkerID `json:"worker"`
	// Pool is the stake pool the stake came from and rewards go to.
	Pool  uint64 `json:"pool"`
	State string `json:"state"`
	// Online is false once a challenge went unanswered for the heartbeat
	// window; an offline worker earns nothing until it answers a
	// challenge again.
	Online bool `json:"online"`
	// Benchmark is P, the worker's benchmark score when the session
	// started.
	Benchmark uint64     `json:"p"`
	Stake     pha.Amount `json:"stake"`
	// InitialV is Ve, the value the session started with.
	InitialV fixedpoint.U64F64 `json:"initial_v"`
	V        fixedpoint.U64F64 `json:"v"`
	VHeight  int64             `json:"v_height"`
	// Challenge is the height of the challenge the worker has yet to
	// answer, 0 when none is pending.
	Challenge int64 `json:"challenge"`
	// Answered is the highest challenge height the worker answered.
	Answered      int64 `json:"answered"`
	LastHeartbeat int64 `json:"last_heartbeat"`
	StartHeight   int64 `json:"start_height"`
	OfflineSince  int64 `json:"offline_since,omitempty"`
	CoolingUntil  int64 `json:"cooling_until,omitempty"`
}

// Params are the computation economy's parameters, set in genesis. Every
// per-block quantity is expressed for this chain's block time; ParamsFor
// derives them from Phala's per-hour and per-day figures, so that a chain of
// 1-second blocks pays, grows and decays like Phala's 12-second blocks.
type Params struct {
	// BudgetPerBlock is what the subsidy pool pays per block, split among
	// the online workers (Phala: 720,000 PHA a day).
	BudgetPerBlock pha.Amount `json:"budget_per_block"`
	// TreasuryRatioBps is the treasury's part of each block's budget, in
	// basis points (Phala: 0.2 = 2000); the rest goes to the workers'
	// pools.
	TreasuryRatioBps uint32 `json:"treasury_ratio_bps"`
	// VMax caps V (Phala: 30,000).
	VMax fixedpoint.U64F64 `json:"v_max"`
	// Re, RigK and RigB shape the initial value Ve = ((re−1)·conf+1)·(stake
	// + rig_k·P + rig_b), stake in PHA (Phala: 1.3, 0.3 and 0).
	Re   fixedpoint.U64F64 `json:"re"`
	RigK fixedpoint.U64F64 `json:"rig_k"`
	RigB fixedpoint.U64F64 `json:"rig_b"`
	// K sets the minimum stake k·sqrt(P) PHA (Phala: 100).
	K fixedpoint.U64F64 `json:"k"`
	// MinBenchmark is the lowest P that may start computing.
	MinBenchmark uint64 `json:"min_benchmark"`
	// VGrowthPerBlock is ρ−1: an online worker's V grows by
	// VGrowthPerBlock·V + cost_k·P + cost_b every block (Phala: ρ =
	// 1.0002 an hour, 1.000000666600231 per 12-second block).
	VGrowthPerBlock fixedpoint.U64F64 `json:"v_growth_per_block"`
	// CostK and CostB are Phala's operating cost per block, cost_k·P +
	// cost_b, which an idle worker's V also gains each block (Phala:
	// 0.0415625 and 88.59375 PHA a year).
	CostK fixedpoint.U64F64 `json:"cost_k"`
	CostB fixedpoint.U64F64 `json:"cost_b"`
	// SlashRatePerBlock: an offline worker loses SlashRatePerBlock·V every
	// block (Phala: 0.001 an hour, prorated by block time).
	SlashRatePerBlock fixedpoint.U64F64 `json:"slash_rate_per_block"`
	// BudgetHalvingInterval: at the end of every block whose height is a
	// multiple of it, BudgetPerBlock is multiplied by BudgetHalvingKeep
	// (Phala: 180 days, ×0.75); 0 keeps the budget fixed.
	BudgetHalvingInterval int64             `json:"budget_halving_interval"`
	BudgetHalvingKeep     fixedpoint.U64F64 `json:"budget_halving_keep"`
	// HeartbeatWindow is how many blocks a challenged worker has to answer
	// (Phala: 10 blocks of 12 s = 120 s).
	HeartbeatWindow int64 `json:"heartbeat_window"`
	// ChallengeThreshold: a worker is challenged at a block when the first
	// 8 bytes of its challenge hash, read as a big-endian number, are below
	// it, so the chance per block is ChallengeThreshold / 2^64 (default:
	// twice an hour).
	ChallengeThreshold uint64 `json:"challenge_threshold"`
	// CooldownBlocks is how long a stopped session's stake stays locked
	// (Phala: 7 days).
	CooldownBlocks int64 `json:"cooldown_blocks"`
}

// Stats are the running totals of the economy, kept for queries and
// audits: every heartbeat payout adds its budget to Spent, split exactly
// into ToPools (the worker's 80 %) and ToTreasury (20 %); every released
// session adds the stake it lost to Slashed.
type Stats struct {
	Height     int64      `json:"height"`
	Payouts    uint64     `json:"payouts"`
	Spent      pha.Amount `json:"spent"`
	ToPools    pha.Amount `json:"to_pools"`
	ToTreasury pha.Amount `json:"to_treasury"`
	Slashed    pha.Amount `json:"slashed"`
	// LastOnline and LastShares describe the last settled block: its
	// online workers and their total share, against which the next
	// block's heartbeats are paid.
	LastOnline int               `json:"last_online"`
	LastShares fixedpoint.U64F64 `json:"last_total_share"`
}

// sessionVersion is the first byte of an encoded session.
const sessionVersion = 1

var stateCodes = [...]string{0: "", 1: StateComputing, 2: StateCoolingDown}

// sessionSize is the length of an encoded session.
const sessionSize = 1 + 32 + 8 + 1 + 1 + 8 + pha.Size + 16 + 16 + 8*7

// encode writes the session in its fixed binary layout: version, worker,
// pool, state code, online, P, stake, initial V, V (raw 64.64, big-endian
// integer then fraction), then the heights VHeight, Challenge, Answered,
// LastHeartbeat, StartHeight, OfflineSince, CoolingUntil (8 bytes each).
func (s *Session) encode() []byte {
	b := make([]byte, 0, sessionSize)
	b = append(b, sessionVersion)
	b = append(b, s.Worker[:]...)
	b = binary.BigEndian.AppendUint64(b, s.Pool)
	code := byte(0)
	for i, name := range stateCodes {
		if name == s.State && i > 0 {
			code = byte(i)
		}
	}
	b = append(b, code)
	online := byte(0)
	if s.Online {
		online = 1
	}
	b = append(b, online)
	b = binary.BigEndian.AppendUint64(b, s.Benchmark)
	b = append(b, s.Stake.Bytes()...)
	for _, v := range []fixedpoint.U64F64{s.InitialV, s.V} {
		hi, lo := v.Bits()
		b = binary.BigEndian.AppendUint64(b, hi)
		b = binary.BigEndian.AppendUint64(b, lo)
	}
	for _, h := range []int64{s.VHeight, s.Challenge, s.Answered, s.LastHeartbeat, s.StartHeight, s.OfflineSince, s.CoolingUntil} {
		b = binary.BigEndian.AppendUint64(b, uint64(h))
	}
	return b
}

// decodeSession reads encode's layout.
func decodeSession(b []byte) (Session, error) {
	if len(b) != sessionSize || b[0] != sessionVersion {
		return Session{}, fmt.Errorf("session record: %d bytes, want %d of version %d", len(b), sessionSize, sessionVersion)
	}
	var s Session
	copy(s.Worker[:], b[1:33])
	s.Pool = binary.BigEndian.Uint64(b[33:41])
	if int(b[41]) >= len(stateCodes) || b[41] == 0 {
		return Session{}, fmt.Errorf("session record: state code %d", b[41])
	}
	s.State = stateCodes[b[41]]
	if b[42] > 1 {
		// encode writes 0 or 1; reading any other byte as offline would
		// accept encodings of a session the chain never writes.
		return Session{}, fmt.Errorf("session record: online byte %d, want 0 or 1", b[42])
	}
	s.Online = b[42] == 1
	s.Benchmark = binary.BigEndian.Uint64(b[43:51])
	s.Stake, _ = pha.FromBytes(b[51:67])
	s.InitialV = fixedpoint.FromBits(binary.BigEndian.Uint64(b[67:75]), binary.BigEndian.Uint64(b[75:83]))
	s.V = fixedpoint.FromBits(binary.BigEndian.Uint64(b[83:91]), binary.BigEndian.Uint64(b[91:99]))
	hs := []*int64{&s.VHeight, &s.Challenge, &s.Answered, &s.LastHeartbeat, &s.StartHeight, &s.OfflineSince, &s.CoolingUntil}
	for i, h := range hs {
		*h = int64(binary.BigEndian.Uint64(b[99+8*i : 107+8*i]))
	}
	return s, nil
}

func mustDecodeSession(raw []byte) Session {
	s, err := decodeSession(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("computation: %w", err)})
	}
	return s
}

// DecodeSession reads a session record as stored under OnlineKey or
// SessionKey, for workers that follow their own session with proofs.
func DecodeSession(b []byte) (Session, error) { return decodeSession(b) }

// Pools is what computation needs from the stake pools. The stake pool
// module implements it and installs itself with SetPools; the PHA behind
// every pool (free, locked and rewards) sits in balances.StakeAccount.
type Pools interface {
	// Reward books amount for pool's holders: settlement has already moved
	// it from the subsidy pool into balances.StakeAccount.
	Reward(ctx *module.Context, pool uint64, amount pha.Amount) error
	// Released ends a cooled-down session's stake: returned goes back to
	// pool's free stake and the rest of stake (the slash) has already
	// been moved to the treasury.
	Released(ctx *module.Context, pool uint64, worker registry.WorkerID, stake, returned pha.Amount) error
}

// The formulas of V, P and the share are in package mining; these apply
// them with the params.

// rig is the params' shape of the initial value.
func (p Params) rig() mining.Rig {
	return mining.Rig{Re: p.Re, K: p.RigK, B: p.RigB, Conf: Confidence, VMax: p.VMax}
}

// MinStake is the least stake that may start a session of benchmark p:
// k·sqrt(P) PHA, rounded down to base units.
func (p Params) MinStake(benchmark uint64) pha.Amount { return mining.MinStake(p.K, benchmark) }

// InitialV is Ve = ((re−1)·conf+1)·(stake + rig_k·P + rig_b), capped at
// v_max, stake counted in whole PHA.
func (p Params) InitialV(stake pha.Amount, benchmark uint64) (fixedpoint.U64F64, error) {
	return mining.InitialV(p.rig(), stake, benchmark)
}

// ValueAt is the session's V after block h (h >= VHeight): grown by the
// idle update while the worker is online and computing, slashed while it
// is offline, and frozen once the session is cooling down.
func (p Params) ValueAt(s *Session, h int64) fixedpoint.U64F64 {
	v, _ := p.idle(s, h)
	return v
}

// Deductible is what the idle updates added to V after VHeight through
// block h: the most a heartbeat's payout takes back out of V (zero while
// offline or cooling down, as Phala's slash resets it).
func (p Params) Deductible(s *Session, h int64) fixedpoint.U64F64 {
	_, d := p.idle(s, h)
	return d
}

func (p Params) idle(s *Session, h int64) (v, deductible fixedpoint.U64F64) {
	if h <= s.VHeight || s.State != StateComputing {
		return s.V, fixedpoint.Zero
	}
	blocks := uint64(h - s.VHeight)
	if s.Online {
		return mining.Idle(s.V, p.VGrowthPerBlock, p.cost(s.Benchmark), blocks, p.VMax)
	}
	return mining.Decayed(s.V, p.SlashRatePerBlock, blocks), fixedpoint.Zero
}

// cost is the operating cost per block cost_k·P + cost_b, saturating.
func (p Params) cost(benchmark uint64) fixedpoint.U64F64 {
	c, err := p.CostK.Mul(fixedpoint.FromInt(benchmark))
	if err == nil {
		c, err = c.Add(p.CostB)
	}
	if err != nil {
		return fixedpoint.FromBits(^uint64(0), ^uint64(0))
	}
	return c
}

// Share is sqrt(V² + (2·P·conf)²), a worker's weight in the block's budget.
func Share(v fixedpoint.U64F64, benchmark uint64) (fixedpoint.U64F64, error) {
	sh, err := mining.Share(v, benchmark, Confidence)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("%w: %v", ErrArithmeticOverflow, err)
	}
	return sh, nil
}
