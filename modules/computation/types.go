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

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/fixedpoint"
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
// V is kept lazily: V is the value at height VHeight; while the worker is
// online it grows by the factor (1 + v_growth_per_block) per block up to
// v_max, and while offline it decays by the factor (1 − slash_rate) per
// block. The value at any height is ValueAt, so a session record changes
// only on events (start, challenge, heartbeat, offline, stop), not every
// block.
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

// State keys, all under the module prefix.
var (
	keyParams     = []byte("computation/params")
	keyStats      = []byte("computation/stats")
	prefixOnline  = []byte("computation/on/")
	prefixSession = []byte("computation/s/")
	prefixCool    = []byte("computation/cd/")
)

// OnlineKey is where the session of an online computing worker lives
// (binary, see Session.encode); settlement walks this prefix every block.
func OnlineKey(id registry.WorkerID) []byte {
	return append(append([]byte(nil), prefixOnline...), id[:]...)
}

// SessionKey is where every other session lives: offline or cooling down.
// A session is under exactly one of OnlineKey and SessionKey.
func SessionKey(id registry.WorkerID) []byte {
	return append(append([]byte(nil), prefixSession...), id[:]...)
}

// CoolKey is the cool-down queue entry of a session whose stake is released
// at height until; the queue is in release order.
func CoolKey(until int64, id registry.WorkerID) []byte {
	k := make([]byte, 0, len(prefixCool)+8+32)
	k = append(k, prefixCool...)
	k = binary.BigEndian.AppendUint64(k, uint64(until))
	return append(k, id[:]...)
}

// StatsKey holds the running totals of what computation paid (JSON Stats).
func StatsKey() []byte { return append([]byte(nil), keyStats...) }
