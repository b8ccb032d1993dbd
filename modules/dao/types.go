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
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
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
	ErrNoSnapshot      = abcierr.Register(Codespace, 12, "state at the proposal's start is not available")
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
	KindSetTDXCollateral  = "set_tdx_collateral"
	// KindStartShieldedCeremony starts the shielded pool's setup ceremony
	// among the gatekeepers (docs/shielded.md).
	KindStartShieldedCeremony = "start_shielded_ceremony"
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
	// TDXCollateral: set_tdx_collateral, Intel's signed TCB info and QE
	// identity for one platform; Intel's signature is checked when proposed
	// and again when enacted.
	TDXCollateral *tee.TDXCollateral `json:"tdx_collateral,omitempty"`
	// ShieldedCeremony: start_shielded_ceremony, the circuits, domain
	// and number of contributing gatekeepers.
	ShieldedCeremony *shielded.CeremonyGenesis `json:"shielded_ceremony,omitempty"`
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

// Settable params per module: set_param names a module and the JSON field
// of its params, and the new value is checked by the module's validation.
// Modules: dao, keys, registry, stakepool.
var settable = []string{Name, computation.Name, keys.Name, registry.Name, stakepool.Name}

func (a *Action) validateBasic() error {
	switch a.Kind {
	case KindText, KindRotateKeys:
	case KindAllowMeasurement, KindRemoveMeasurement:
		if a.Measurement == nil || len(a.Measurement.Value) == 0 {
			return fmt.Errorf("%w: %s needs a measurement", ErrBadAction, a.Kind)
		}
		switch a.Measurement.TEE {
		case tee.KindSim, tee.KindTDX, tee.KindSEVSNP:
		default:
			return fmt.Errorf("%w: unknown tee %q", ErrBadAction, a.Measurement.TEE)
		}
	case KindAddGatekeeper, KindRemoveGatekeeper:
		if len(a.Worker) != 32 {
			return fmt.Errorf("%w: %s needs a 32-byte worker id", ErrBadAction, a.Kind)
		}
	case KindSetParam:
		known := false
		for _, m := range settable {
			known = known || m == a.Module
		}
		if !known || a.Param == "" || len(a.Value) == 0 {
			return fmt.Errorf("%w: set_param needs module (one of %v), param and value", ErrBadAction, settable)
		}
		if a.Module == registry.Name {
			if err := registry.GovernedParam(a.Param); err != nil {
				return fmt.Errorf("%w: %v", ErrBadAction, err)
			}
		}
	case KindSetTDXCollateral:
		if a.TDXCollateral == nil {
			return fmt.Errorf("%w: set_tdx_collateral needs tdx_collateral", ErrBadAction)
		}
	case KindStartShieldedCeremony:
		if a.ShieldedCeremony == nil {
			return fmt.Errorf("%w: start_shielded_ceremony needs shielded_ceremony", ErrBadAction)
		}
	case KindTreasurySpend:
		if a.To.IsZero() || a.Amount.IsZero() {
			return fmt.Errorf("%w: treasury_spend needs to and a positive amount", ErrBadAction)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrBadAction, a.Kind)
	}
	return nil
}
