// Package stakepool is Phala's stake pools on this chain: an owner creates
// a pool with a commission, adds registered workers it operates and starts
// them computing with stake from the pool; anyone contributes PHA for
// shares at the pool's share price (total value / total shares); rewards
// from computation raise the price after the owner's commission, which is
// paid to the owner in PHA; withdrawals are paid from free stake at once or
// wait in a FIFO queue that every freed PHA serves, and a request waiting
// past the grace period stops the pool's workers to free stake.
//
// All PHA of all pools sits in one module account, balances.StakeAccount;
// the pool records say whose it is.
package stakepool

import (
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "stakepool"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the stakepool module. A sender short of PHA gets
// balances.ErrInsufficientFunds; session checks (P, minimum stake) come
// with the computation module's codes.
var (
	ErrBadGenesis           = abcierr.Register(Codespace, 2, "invalid stakepool genesis")
	ErrUnknownPool          = abcierr.Register(Codespace, 3, "unknown stake pool")
	ErrNotOwner             = abcierr.Register(Codespace, 4, "sender is not the pool owner")
	ErrBadCommission        = abcierr.Register(Codespace, 5, "commission must be at most 10000 basis points")
	ErrUnknownWorker        = abcierr.Register(Codespace, 6, "unknown worker")
	ErrNotOperator          = abcierr.Register(Codespace, 7, "pool owner is not the worker's operator")
	ErrWorkerInPool         = abcierr.Register(Codespace, 8, "worker is already in a pool")
	ErrWorkerNotInPool      = abcierr.Register(Codespace, 9, "worker is not in this pool")
	ErrWorkerBusy           = abcierr.Register(Codespace, 10, "worker is computing")
	ErrInsufficientStake    = abcierr.Register(Codespace, 11, "pool has not enough free stake")
	ErrZeroAmount           = abcierr.Register(Codespace, 12, "amount must be positive")
	ErrInsufficientShares   = abcierr.Register(Codespace, 13, "not enough shares")
	ErrWithdrawalPending    = abcierr.Register(Codespace, 14, "a withdrawal of this account is already queued")
	ErrTooManyWorkers       = abcierr.Register(Codespace, 15, "pool has the maximum number of workers")
	ErrContributionTooSmall = abcierr.Register(Codespace, 16, "contribution buys no share")
)

// Pool is a stake pool's record. Its value is FreeStake + LockedStake; the
// share price is value / TotalShares.
type Pool struct {
	ID            uint64          `json:"id"`
	Owner         address.Address `json:"owner"`
	CommissionBps uint32          `json:"commission_bps"`
	// TotalShares counts every share, queued ones included (they keep
	// earning until they are paid).
	TotalShares pha.Amount `json:"total_shares"`
	// FreeStake is PHA no session holds: contributions, rewards and
	// released stake not yet used or withdrawn.
	FreeStake pha.Amount `json:"free_stake"`
	// LockedStake is the stake of the pool's computing and cooling-down
	// sessions.
	LockedStake pha.Amount `json:"locked_stake"`
	// Rewards and OwnerRewards add up what computation paid the pool: the
	// holders' part and the owner's commission.
	Rewards      pha.Amount `json:"rewards"`
	OwnerRewards pha.Amount `json:"owner_rewards"`
	WorkerCount  uint32     `json:"worker_count"`
	// QueueHead and QueueTail bound the withdrawal queue: sequence numbers
	// [QueueHead, QueueTail) are waiting, in order.
	QueueHead uint64 `json:"queue_head"`
	QueueTail uint64 `json:"queue_tail"`
	Created   int64  `json:"created_height"`
}

// Withdrawal is a queued withdrawal request.
type Withdrawal struct {
	Seq     uint64          `json:"seq"`
	Account address.Address `json:"account"`
	// Shares are what is left to pay; a partly served request keeps its
	// place and height.
	Shares pha.Amount `json:"shares"`
	Height int64      `json:"requested_height"`
	// Due is the height at whose end, if the request still waits, the
	// pool's workers are stopped: Height + grace_blocks.
	Due int64 `json:"due_height"`
}

// State keys, all under the module prefix.
var (
	keyParams      = []byte("stakepool/params")
	keyNextID      = []byte("stakepool/next_id")
	prefixPool     = []byte("stakepool/p/")
	prefixMember   = []byte("stakepool/w/")
	prefixWorker   = []byte("stakepool/wp/")
	prefixShares   = []byte("stakepool/sh/")
	prefixQueue    = []byte("stakepool/q/")
	prefixQueued   = []byte("stakepool/qa/")
	prefixDeadline = []byte("stakepool/due/")
)

// PoolKey holds a Pool record (JSON), for proofs.
func PoolKey(id uint64) []byte { return state.Key(prefixPool, state.Uint64(id)) }

// MemberKey marks worker as a member of pool; the pool's members are the
// keys under MemberPrefix(pool), in worker id order.
func MemberKey(pool uint64, worker registry.WorkerID) []byte {
	return state.Key(prefixMember, state.Uint64(pool), worker[:])
}

// MemberPrefix is the prefix of a pool's member keys.
func MemberPrefix(pool uint64) []byte { return state.Key(prefixMember, state.Uint64(pool)) }

// WorkerPoolKey holds the id (8 bytes) of the pool a worker is in.
func WorkerPoolKey(worker registry.WorkerID) []byte { return state.Key(prefixWorker, worker[:]) }

// SharesKey holds an account's shares (16 bytes) in a pool, queued ones
// excluded.
func SharesKey(pool uint64, a address.Address) []byte {
	return state.Key(prefixShares, state.Uint64(pool), a[:])
}

// QueueKey holds withdrawal seq of a pool (JSON Withdrawal).
func QueueKey(pool, seq uint64) []byte {
	return state.Key(prefixQueue, state.Uint64(pool), state.Uint64(seq))
}

// QueuedKey holds the seq (8 bytes) of an account's queued withdrawal.
func QueuedKey(pool uint64, a address.Address) []byte {
	return state.Key(prefixQueued, state.Uint64(pool), a[:])
}

// DeadlineKey marks a withdrawal whose grace period ends at height due;
// EndBlock walks these in height order.
func DeadlineKey(due int64, pool, seq uint64) []byte {
	return state.Key(prefixDeadline, state.Uint64(uint64(due)), state.Uint64(pool), state.Uint64(seq))
}
