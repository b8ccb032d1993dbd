// Package dao is PhalaDAO: accounts lock PHA for voting (or hold stake-pool
// shares), propose actions with a deposit, vote, and passed proposals are
// enacted after a delay through the same handlers the genesis key authority
// uses. The DAO's module account (Account) is the key authority.
//
// Voting weight of an account is the PHA it has locked in the DAO (not the
// part that is unlocking) plus the current value of its stake-pool shares.
// Weight is read when the proposal is tallied, not when the vote is cast:
// each voter counts once with what it holds at the end of the voting
// period, so moving PHA between accounts during a vote cannot count it
// twice, and the tally never exceeds the total. (Snapshotting weights at
// the proposal's start is a refinement left for later.)
//
// Quorum: the weight that voted (yes, no and abstain) must be at least
// quorum_bps of the total voting weight at tally: all PHA locked in the
// DAO (unlocking excluded) plus the value of every stake pool.
// Threshold: yes·10000 > threshold_bps·(yes+no).
//
// Everything is integer arithmetic over pha.Amount; state is visited in
// key order only.
package dao

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "dao"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the dao module.
var (
	ErrBadGenesis      = abcierr.Register(Codespace, 2, "invalid dao genesis")
	ErrZeroAmount      = abcierr.Register(Codespace, 3, "amount must be positive")
	ErrUnlockTooMuch   = abcierr.Register(Codespace, 4, "unlock exceeds the locked amount")
	ErrDepositTooSmall = abcierr.Register(Codespace, 5, "deposit below min_deposit")
	ErrBadAction       = abcierr.Register(Codespace, 6, "invalid proposal action")
	ErrUnknownProposal = abcierr.Register(Codespace, 7, "unknown proposal")
	ErrVotingClosed    = abcierr.Register(Codespace, 8, "voting period is over")
	ErrNoWeight        = abcierr.Register(Codespace, 9, "account has no voting weight")
	ErrBadVote         = abcierr.Register(Codespace, 10, "invalid vote option")
	ErrBadParams       = abcierr.Register(Codespace, 11, "invalid dao params")
)

// Module accounts: Account is the DAO itself (the key authority; it holds
// nothing), LockAccount holds locked and unlocking PHA, DepositAccount
// holds the deposits of open proposals.
var (
	Account        = address.Module("dao")
	LockAccount    = address.Module("dao_locked")
	DepositAccount = address.Module("dao_deposits")
)

// Proposal statuses.
const (
	StatusVoting   = "voting"
	StatusRejected = "rejected" // tallied, did not pass
	StatusPassed   = "passed"   // waiting for its enactment height
	StatusEnacted  = "enacted"
	StatusFailed   = "failed" // passed, but its action failed at enactment
)

// Vote options.
const (
	VoteYes     byte = 1
	VoteNo      byte = 2
	VoteAbstain byte = 3
)

// OptionName is the name of a vote option.
func OptionName(o byte) string {
	switch o {
	case VoteYes:
		return "yes"
	case VoteNo:
		return "no"
	case VoteAbstain:
		return "abstain"
	}
	return "invalid"
}

// ParseOption reads "yes", "no" or "abstain".
func ParseOption(s string) (byte, error) {
	switch s {
	case "yes":
		return VoteYes, nil
	case "no":
		return VoteNo, nil
	case "abstain":
		return VoteAbstain, nil
	}
	return 0, fmt.Errorf("%w: %q (want yes, no or abstain)", ErrBadVote, s)
}

// Params govern proposals and locking.
type Params struct {
	// MinDeposit is the least deposit a proposal takes.
	MinDeposit pha.Amount `json:"min_deposit"`
	// VotingPeriod is how many blocks after the proposing block votes are
	// taken; the tally runs at the end of the last one.
	VotingPeriod int64 `json:"voting_period"`
	// QuorumBps of the total voting weight must vote (any option).
	QuorumBps uint32 `json:"quorum_bps"`
	// ThresholdBps: a proposal passes when yes·10000 > threshold·(yes+no).
	ThresholdBps uint32 `json:"threshold_bps"`
	// EnactmentDelay is how many blocks after the tally a passed proposal
	// takes effect.
	EnactmentDelay int64 `json:"enactment_delay"`
	// UnlockDelay is how many blocks unlocked PHA waits before it returns
	// (it stops counting at once).
	UnlockDelay int64 `json:"unlock_delay"`
}

// DefaultParams for 1-second blocks: 1,000 PHA deposit, a 7-day vote,
// 10 % quorum, simple majority, one day to enactment, 7 days to unlock.
func DefaultParams() Params {
	return Params{MinDeposit: pha.Whole(1_000), VotingPeriod: 7 * 86_400, QuorumBps: 1_000, ThresholdBps: 5_000, EnactmentDelay: 86_400, UnlockDelay: 7 * 86_400}
}

// DevnetParams are short enough to watch: 10 PHA deposit, 20-block vote,
// 2 blocks to enactment, 20 blocks to unlock.
func DevnetParams() Params {
	return Params{MinDeposit: pha.Whole(10), VotingPeriod: 20, QuorumBps: 1_000, ThresholdBps: 5_000, EnactmentDelay: 2, UnlockDelay: 20}
}

// Validate checks the params.
func (p Params) Validate() error {
	if p.VotingPeriod <= 0 || p.EnactmentDelay < 0 || p.UnlockDelay < 0 {
		return fmt.Errorf("%w: voting_period must be positive, enactment_delay and unlock_delay not negative", ErrBadParams)
	}
	if p.QuorumBps > 10_000 || p.ThresholdBps >= 10_000 {
		return fmt.Errorf("%w: quorum_bps at most 10000, threshold_bps below 10000", ErrBadParams)
	}
	return nil
}

// Genesis is the dao section of the genesis app state.
type Genesis struct {
	// Params, absent: DefaultParams.
	Params *Params `json:"params,omitempty"`
}

// Action kinds.
const (
	KindText              = "text"
	KindAllowMeasurement  = "allow_measurement"
	KindRemoveMeasurement = "remove_measurement"
	KindAddGatekeeper     = "add_gatekeeper"
	KindRemoveGatekeeper  = "remove_gatekeeper"
	KindRotateKeys        = "rotate_keys"
	KindSetParam          = "set_param"
	KindTreasurySpend     = "treasury_spend"
)

// Action is what a passed proposal does; Kind selects the fields used.
type Action struct {
	Kind string `json:"kind"`
	// Measurement: allow_measurement, remove_measurement.
	Measurement *registry.Measurement `json:"measurement,omitempty"`
	// Worker: add_gatekeeper, remove_gatekeeper.
	Worker registry.HexBytes `json:"worker,omitempty"`
	// Module, Param, Value: set_param; Value is the JSON of the new value
	// of the param's field in that module's params.
	Module string          `json:"module,omitempty"`
	Param  string          `json:"param,omitempty"`
	Value  json.RawMessage `json:"value,omitempty"`
	// To, Amount: treasury_spend.
	To     address.Address `json:"to,omitzero"`
	Amount pha.Amount      `json:"amount,omitzero"`
}

// Tally is a proposal's count: weights at the time of counting.
type Tally struct {
	Yes     pha.Amount `json:"yes"`
	No      pha.Amount `json:"no"`
	Abstain pha.Amount `json:"abstain"`
	// Total is the total voting weight the quorum is measured against.
	Total  pha.Amount `json:"total"`
	Voters int        `json:"voters"`
	Quorum bool       `json:"quorum"`
	Passed bool       `json:"passed"`
}

// Proposal is one proposal's record.
type Proposal struct {
	ID       uint64          `json:"id"`
	Proposer address.Address `json:"proposer"`
	Title    string          `json:"title"`
	Action   Action          `json:"action"`
	Deposit  pha.Amount      `json:"deposit"`
	// Submitted is the proposing block; votes are taken up to and
	// including VotingEnd, and the tally runs at its end.
	Submitted int64  `json:"submitted_height"`
	VotingEnd int64  `json:"voting_end_height"`
	Status    string `json:"status"`
	// EnactHeight is when a passed proposal takes effect.
	EnactHeight int64 `json:"enact_height,omitempty"`
	// Tally is the final count once tallied.
	Tally *Tally `json:"tally,omitempty"`
	// DepositReturned tells where the deposit went at the tally: back to
	// the proposer (quorum reached) or to the treasury.
	DepositReturned bool `json:"deposit_returned"`
	// Error is why enactment failed.
	Error string `json:"error,omitempty"`
}

// Lock is an account's locked PHA.
type Lock struct {
	Locked    pha.Amount  `json:"locked"`
	Unlocking []Unlocking `json:"unlocking"`
}

// Unlocking is PHA on its way back to its owner at Release.
type Unlocking struct {
	Amount  pha.Amount `json:"amount"`
	Release int64      `json:"release_height"`
}

// Weight is what `/dao/weight/<address>` answers.
type Weight struct {
	Address   address.Address `json:"address"`
	Locked    pha.Amount      `json:"locked"`
	Staked    pha.Amount      `json:"staked"`
	Weight    pha.Amount      `json:"weight"`
	Unlocking []Unlocking     `json:"unlocking"`
	// Total is the total voting weight now.
	Total pha.Amount `json:"total"`
}

// State keys, all under the module prefix.
var (
	keyParams      = []byte("dao/params")
	keyNextID      = []byte("dao/next_id")
	keyTotalLocked = []byte("dao/total_locked")
	prefixProposal = []byte("dao/p/")
	prefixVote     = []byte("dao/v/") // id, address -> option
	prefixLock     = []byte("dao/l/") // address -> locked amount
	prefixUnlock   = []byte("dao/u/") // release, address -> amount
	prefixEnd      = []byte("dao/e/") // voting end, id
	prefixEnact    = []byte("dao/x/") // enact height, id
)

// ProposalKey holds a Proposal (JSON).
func ProposalKey(id uint64) []byte { return state.Key(prefixProposal, state.Uint64(id)) }

// VoteKey holds a vote's option byte.
func VoteKey(id uint64, a address.Address) []byte {
	return state.Key(prefixVote, state.Uint64(id), a[:])
}

// LockKey holds an account's locked PHA (16 bytes).
func LockKey(a address.Address) []byte { return state.Key(prefixLock, a[:]) }

// UnlockKey is an unlocking entry (16-byte amount), in release order.
func UnlockKey(release int64, a address.Address) []byte {
	return state.Key(prefixUnlock, state.Uint64(uint64(release)), a[:])
}

func queueKey(prefix []byte, height int64, id uint64) []byte {
	return state.Key(prefix, state.Uint64(uint64(height)), state.Uint64(id))
}

func getAmount(kv state.KV, k []byte) pha.Amount {
	raw := kv.Get(k)
	if raw == nil {
		return pha.Amount{}
	}
	a, err := pha.FromBytes(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("dao amount: %w", err)})
	}
	return a
}

func setAmount(kv state.KV, k []byte, a pha.Amount) {
	if a.IsZero() {
		kv.Delete(k)
		return
	}
	kv.Set(k, a.Bytes())
}
