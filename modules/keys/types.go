// Package keys is the chain's record of the key hierarchy: the gatekeeper
// set, the master-key generations and their public keys. The secret halves
// live only in gatekeeper enclaves; the chain holds what anyone needs to
// encrypt to the hierarchy and to check what it signs.
package keys

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "keys"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the keys module.
var (
	ErrBadGenesis      = abcierr.Register(Codespace, 2, "invalid keys genesis")
	ErrUnauthorized    = abcierr.Register(Codespace, 3, "sender is not the key authority")
	ErrNotGatekeeper   = abcierr.Register(Codespace, 4, "origin is not a gatekeeper")
	ErrAlreadyGK       = abcierr.Register(Codespace, 5, "worker is already a gatekeeper")
	ErrUnknownWorker   = abcierr.Register(Codespace, 6, "unknown worker")
	ErrGenerationTaken = abcierr.Register(Codespace, 7, "master key generation already published")
	ErrBadMasterKey    = abcierr.Register(Codespace, 8, "invalid master public key")
	ErrNotFirst        = abcierr.Register(Codespace, 9, "only the first gatekeeper creates the master key")
	ErrBadShare        = abcierr.Register(Codespace, 10, "invalid master key share")
	ErrNoMasterKey     = abcierr.Register(Codespace, 11, "no master key yet")
	ErrRotation        = abcierr.Register(Codespace, 12, "key rotation refused")
	// Bonds. An operator short of PHA gets balances.ErrInsufficientFunds.
	ErrUnknownGatekeeper = abcierr.Register(Codespace, 13, "unknown gatekeeper")
	ErrNotOperator       = abcierr.Register(Codespace, 14, "sender is not the gatekeeper's operator")
	ErrUnbondTooMuch     = abcierr.Register(Codespace, 15, "unbond exceeds the bonded amount")
	ErrZeroAmount        = abcierr.Register(Codespace, 16, "bond amount must be positive")
	// Rotation checks against a malicious or broken member.
	ErrUnelected         = abcierr.Register(Codespace, 17, "unelected gatekeeper")
	ErrIncompleteHistory = abcierr.Register(Codespace, 18, "incomplete master-key history")
	ErrEquivocation      = abcierr.Register(Codespace, 19, "equivocation")
	ErrRogueConfirmation = abcierr.Register(Codespace, 20, "rogue confirmation")
	ErrMembership        = abcierr.Register(Codespace, 21, "gatekeeper set changed during the rotation")
	ErrNoThreshold       = abcierr.Register(Codespace, 22, "no key reached the confirmation threshold")
	// ErrExcludedForCause refuses the master-key history to a gatekeeper
	// the chain kept evidence against (docs/keys.md, "Coming back").
	ErrExcludedForCause = abcierr.Register(Codespace, 23, "gatekeeper excluded for cause")
	// ErrKMSAnswer refuses a gatekeeper's sealing-key answer.
	ErrKMSAnswer = abcierr.Register(Codespace, 40, "sealing key answer refused")
)

// BondAccount is the module account that holds bonded and unbonding PHA:
// bonds move PHA into it and matured unbondings move it back, so the
// total supply stays the sum of all balances.
var BondAccount = address.Module("gatekeeper_bonds")

// Hex is bytes that marshal as hex in JSON (the registry's type).
type Hex = registry.HexBytes

// Gatekeeper is a worker the chain trusts with the master key.
type Gatekeeper struct {
	Worker Hex   `json:"worker"`
	Added  int64 `json:"added_height"`
	// Holds is true once the gatekeeper proved it holds the current
	// master key and every earlier generation (the first one by creating
	// generation 0, others by signing with every generation's key when
	// they confirm a share or a rotation). Only holders are elected.
	Holds bool `json:"holds_master_key"`
	// RejoinHeight is the height at which a gatekeeper a rotation left out
	// asked for the whole history again (keys/rejoin); 0 when it has not
	// or once it proved it holds it.
	RejoinHeight int64 `json:"rejoin_height,omitempty"`
	// ExcludedForCause names the check the chain kept evidence of against
	// this gatekeeper (equivocation, rogue confirmation) and the round:
	// such a gatekeeper is never sent the history again nor elected.
	ExcludedForCause string `json:"excluded_for_cause,omitempty"`
	// Bonded is the PHA its operator has bonded to it: its election
	// weight. Unbonding is bond on its way back to the operator, which no
	// longer counts. The state query fills both in from the bond records
	// (BondKey, UnbondingPrefix); the record under GatekeeperKey does not
	// carry them, so a gatekeeper record read from state has them zero.
	Bonded    pha.Amount  `json:"bonded"`
	Unbonding []Unbonding `json:"unbonding"`
}

// gatekeeperRecord is what GatekeeperKey holds: a Gatekeeper without the
// bond fields, which live in their own records.
type gatekeeperRecord struct {
	Worker           Hex    `json:"worker"`
	Added            int64  `json:"added_height"`
	Holds            bool   `json:"holds_master_key"`
	RejoinHeight     int64  `json:"rejoin_height,omitempty"`
	ExcludedForCause string `json:"excluded_for_cause,omitempty"`
}

// Bond is what BondKey holds: the operator that bonded PHA to a gatekeeper
// and how much is bonded now. An UnbondingKey entry holds the same fields
// for an amount on its way back.
type Bond struct {
	Operator address.Address `json:"operator"`
	Amount   pha.Amount      `json:"amount"`
}

// Unbonding is bond leaving a gatekeeper: Amount goes back to the operator
// in the EndBlock of height Release.
type Unbonding struct {
	Amount  pha.Amount `json:"amount"`
	Release int64      `json:"release_height"`
}

// Generation is one master key's public record.
type Generation struct {
	Number uint64 `json:"generation"`
	// SignKey and ECDHKey are the master key's ed25519 and X25519 public
	// keys (keyderive.Pairs of the master secret).
	SignKey   Hex   `json:"sign_pubkey"`
	ECDHKey   Hex   `json:"ecdh_pubkey"`
	Height    int64 `json:"height"`
	CreatedBy Hex   `json:"created_by"`
	// Excluded are the gatekeepers the rotation that made this generation
	// left out; they receive it by share only after they ask to rejoin
	// (TopicRejoin), and never when excluded for cause.
	Excluded []Hex `json:"excluded,omitempty"`
}

// Rotation phases.
const (
	PhaseCommit  = "commit"
	PhaseReveal  = "reveal"
	PhaseConfirm = "confirm"
)

// ResumeDelay is how many blocks after the rotation's confirming block
// gatekeeper-to-worker key traffic resumes.
const ResumeDelay = 2

// Params govern rotation.
type Params struct {
	// RotationPeriod starts a rotation every this many blocks (0: only on
	// the authority's request).
	RotationPeriod int64 `json:"rotation_period"`
	// RotationTimeout aborts a rotation that has not finished in this many
	// blocks; the old generation stays in force and a new round starts.
	RotationTimeout int64 `json:"rotation_timeout"`
	// MaxGatekeepers bounds the elected set.
	MaxGatekeepers int `json:"max_gatekeepers"`
	// UnbondDelay is how many blocks unbonded PHA waits before it returns
	// to the operator (it leaves the election weight at once).
	UnbondDelay int64 `json:"unbond_delay"`
}

// DefaultUnbondDelay is the unbond_delay a genesis that leaves it out (or
// sets it to 0) gets.
const DefaultUnbondDelay = 100

// DefaultParams: rotation on request only, 30-block timeout, five
// gatekeepers, unbonded PHA back after 100 blocks.
func DefaultParams() Params {
	return Params{RotationTimeout: 30, MaxGatekeepers: 5, UnbondDelay: DefaultUnbondDelay}
}

// Validate checks the params: rotation_timeout and max_gatekeepers
// positive, rotation_period and unbond_delay not negative.
func (p Params) Validate() error {
	if p.RotationTimeout <= 0 || p.MaxGatekeepers <= 0 || p.RotationPeriod < 0 || p.UnbondDelay < 0 {
		return fmt.Errorf("%w: rotation_timeout and max_gatekeepers must be positive, rotation_period and unbond_delay not negative", ErrBadGenesis)
	}
	return nil
}

// Rotation is an attempt to move to a new master-key generation.
type Rotation struct {
	Round      uint64 `json:"round"`
	Generation uint64 `json:"generation"`
	Phase      string `json:"phase"`
	Members    []Hex  `json:"members"`
	Started    int64  `json:"started_height"`
	Deadline   int64  `json:"deadline_height"`
	// Per member, in Members order.
	Commitments []Hex  `json:"commitments"`
	Revealed    []bool `json:"revealed"`
	SignKeys    []Hex  `json:"confirmed_sign_keys"`
	ECDHKeys    []Hex  `json:"confirmed_ecdh_keys"`
	// Excluded are the gatekeepers earlier rounds of this rotation left
	// out (stalled, rogue, equivocating or removed); a restarted round
	// does not elect them again.
	Excluded []Hex `json:"excluded,omitempty"`
}

// Threshold is how many of n elected members must confirm the same new
// master public key for it to be the round's key: a strict majority
// (docs/keys.md says why). The members that confirmed another key are the
// minority that is excluded and reported.
func Threshold(n int) int { return n/2 + 1 }

// Evidence is what the chain keeps of a member's misbehaviour in a round:
// the check it failed (ErrEquivocation or ErrRogueConfirmation) and the two
// values: for an equivocation what it sent first and then, for a rogue
// confirmation the key the threshold confirmed and the one it confirmed.
type Evidence struct {
	Round  uint64 `json:"round"`
	Member Hex    `json:"member"`
	Check  string `json:"check"`
	First  Hex    `json:"first"`
	Second Hex    `json:"second"`
	Height int64  `json:"height"`
}

func (r *Rotation) member(id [32]byte) int {
	for i, m := range r.Members {
		if string(m) == string(id[:]) {
			return i
		}
	}
	return -1
}
