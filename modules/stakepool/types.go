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
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
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

// Pool is a stake pool's record. Its value is its Stake, FreeStake +
// LockedStake; the share price is value / TotalShares.
type Pool struct {
	sharepool.Record
	// TotalShares counts every share, queued ones included (they keep
	// earning until they are paid).
	TotalShares pha.Amount `json:"total_shares"`
	Stake
	// Rewards and OwnerRewards add up what computation paid the pool: the
	// holders' part and the owner's commission.
	Rewards      pha.Amount `json:"rewards"`
	OwnerRewards pha.Amount `json:"owner_rewards"`
	// Slashed adds up the stake the pool's sessions lost when they ended
	// with V below Ve (computation's releaseCooled): it left the pool's
	// value, lowering the share price, and went to the treasury.
	Slashed     pha.Amount `json:"slashed,omitempty"`
	WorkerCount uint32     `json:"worker_count"`
	// Queue bounds the withdrawal queue: sequence numbers [QueueHead,
	// QueueTail) are waiting, in order.
	sharepool.Queue
	Created int64 `json:"created_height"`
}

// Stake is a pool's PHA, split by whether its sessions hold it; the two add
// up to the pool's value.
type Stake struct {
	// FreeStake is PHA no session holds: contributions, rewards and
	// released stake not yet used or withdrawn.
	FreeStake pha.Amount `json:"free_stake"`
	// LockedStake is the stake of the pool's computing and cooling-down
	// sessions.
	LockedStake pha.Amount `json:"locked_stake"`
}

// Withdrawal is a queued withdrawal request; its Due is Height +
// grace_blocks, the height at whose end, if the request still waits, the
// pool's workers are stopped.
type Withdrawal = sharepool.Withdrawal

// Params are the stake pools' parameters, set in genesis.
type Params struct {
	// GraceBlocks is how long a withdrawal may wait in the queue before
	// the pool's workers are stopped to free stake (Phala: 7 days).
	GraceBlocks int64 `json:"grace_blocks"`
	// MaxWorkers bounds a pool's workers (Phala: 200).
	MaxWorkers uint32 `json:"max_workers"`
}

// Value is the pool's total value: free plus locked stake.
func (p Pool) Value() pha.Amount {
	v, _ := p.FreeStake.Add(p.LockedStake) // both are parts of the supply
	return v
}

// sharesFor is the number of shares amount buys.
func (p Pool) sharesFor(amount pha.Amount) (pha.Amount, error) {
	return sharepool.SharesFor(amount, p.Value(), p.TotalShares)
}

// ValueOf is what shares are worth now, rounded down.
func (p Pool) ValueOf(shares pha.Amount) pha.Amount {
	return sharepool.ValueOf(shares, p.Value(), p.TotalShares)
}

// Price is the share price value / shares as a decimal with 12 places,
// rounded down; a pool without shares has price 1.
func (p Pool) Price() string {
	price, err := sharepool.Price(p.Value(), p.TotalShares)
	if err != nil {
		return "overflow"
	}
	return sharepool.FormatPrice(price)
}
