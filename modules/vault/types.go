// Package vault is Phala's vaults on this chain: an owner creates a vault
// with a commission; holders deposit PHA for vault shares at the vault's
// share price (value / shares, where the value is the vault's free PHA plus
// what its shares in stake pools are worth at their current prices); the
// owner contributes the vault's free PHA to stake pools (delegate) and
// withdraws it (undelegate, queued in the pool's FIFO like any holder's
// request); the owner's commission is paid by minting owner shares on gains
// above the high-water mark of the share price; holders' withdrawals wait
// in the vault's own FIFO queue, served from free PHA.
//
// Forced exit (Phala's forced shutdown): a withdrawal that still waits at
// the end of block requested_height + 3 × the stake pools' grace_blocks
// makes the vault withdraw all its shares from every pool; the pools pay
// them (at once from free stake, or through their own queues, whose grace
// period stops their workers), and the PHA serves the vault's queue.
//
// Each vault's free PHA sits in its own module account,
// address.Module("vault/<id>"), which also holds its pool shares.
package vault

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "vault"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the vault module. A sender short of PHA gets
// balances.ErrInsufficientFunds; delegation errors of the pools (unknown
// pool, not enough pool shares, a pool withdrawal already queued) come with
// the stakepool module's codes.
var (
	ErrBadGenesis         = abcierr.Register(Codespace, 2, "invalid vault genesis")
	ErrUnknownVault       = abcierr.Register(Codespace, 3, "unknown vault")
	ErrNotOwner           = abcierr.Register(Codespace, 4, "sender is not the vault owner")
	ErrBadCommission      = abcierr.Register(Codespace, 5, "commission must be at most 10000 basis points")
	ErrZeroAmount         = abcierr.Register(Codespace, 6, "amount must be positive")
	ErrInsufficientShares = abcierr.Register(Codespace, 7, "not enough vault shares")
	ErrWithdrawalPending  = abcierr.Register(Codespace, 8, "a withdrawal of this account is already queued")
	ErrInsufficientFree   = abcierr.Register(Codespace, 9, "vault has not enough free PHA")
	ErrDepositTooSmall    = abcierr.Register(Codespace, 10, "deposit buys no share")
)

// MaxCommissionBps is 100 %.
const MaxCommissionBps = sharepool.MaxCommissionBps

// Vault is a vault's record.
type Vault struct {
	sharepool.Record
	// Account holds the vault's free PHA and its pool shares.
	Account address.Address `json:"account"`
	// TotalShares counts every vault share, queued ones included.
	TotalShares pha.Amount `json:"total_shares"`
	// HighWater is the highest share price commission was taken at, in
	// 10^-12 (a price of 1 is 10^12); commission is due only above it.
	HighWater pha.Amount `json:"high_water"`
	// CommissionShares adds up the shares minted to the owner.
	CommissionShares pha.Amount `json:"commission_shares"`
	// Pools are the pools the vault holds shares in (held or queued), in
	// id order.
	Pools []uint64 `json:"pools"`
	// Queue bounds the withdrawal queue: [QueueHead, QueueTail) wait.
	sharepool.Queue
	Created int64 `json:"created_height"`
}

// Withdrawal is a queued withdrawal of vault shares; its Due is Height +
// 3·grace_blocks, the height at whose end, if the request still waits, the
// vault withdraws everything from its pools.
type Withdrawal = sharepool.Withdrawal

// WithdrawalView is a queued withdrawal and what it is worth now.
type WithdrawalView = sharepool.WithdrawalView

// AccountOf is vault id's module account.
func AccountOf(id uint64) address.Address { return address.Module(fmt.Sprintf("vault/%d", id)) }

// Position is the vault's stake in one pool.
type Position struct {
	Pool uint64 `json:"pool"`
	// Shares are held; Queued wait in the pool's withdrawal queue.
	Shares pha.Amount `json:"shares"`
	Queued pha.Amount `json:"queued"`
	// Value is what both are worth at the pool's price now.
	Value      pha.Amount `json:"value"`
	PoolPrice  string     `json:"pool_price"`
	QueuedSeq  uint64     `json:"queued_seq,omitempty"`
	QueuedDue  int64      `json:"queued_due,omitempty"`
	hasRequest bool
}
