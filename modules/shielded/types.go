// Package shielded is the shielded PHA pool: public PHA goes in with a
// shield (one note out), moves privately between notes with a transfer
// (two notes in, two out, a public fee) and comes out with an unshield
// (two notes in, public PHA and a change note out). Each message carries a
// Groth16 proof over BN254 (shielded/circuit) that the chain verifies in
// FinalizeBlock; the chain keeps only the note commitment tree's frontier,
// the roots of the last RootWindow blocks, the nullifiers of spent notes and
// the sealed notes, never an amount or an owner of a private transfer.
//
// The pool's public PHA sits in the module account PoolAccount, so the
// supply invariant still covers it: its balance equals the sum of the
// unspent notes, since every note is created against PHA paid in (shield)
// or notes spent (transfer, unshield), with value conserved in the proof.
package shielded

import (
	"bytes"
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "shielded"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the shielded module: each names the check that refused.
var (
	ErrBadGenesis   = abcierr.Register(Codespace, 2, "invalid shielded genesis")
	ErrNotSetUp     = abcierr.Register(Codespace, 3, "shielded pool has no verifying keys")
	ErrMalformed    = abcierr.Register(Codespace, 4, "malformed shielded message")
	ErrBadAmount    = abcierr.Register(Codespace, 5, "amount must be positive and fit 64 bits")
	ErrUnknownRoot  = abcierr.Register(Codespace, 6, "unknown note commitment tree root")
	ErrStaleRoot    = abcierr.Register(Codespace, 7, "note commitment tree root is older than the root window")
	ErrDoubleSpend  = abcierr.Register(Codespace, 8, "nullifier already spent")
	ErrBadProof     = abcierr.Register(Codespace, 9, "proof does not verify")
	ErrTreeFull     = abcierr.Register(Codespace, 10, "note commitment tree is full")
	ErrPoolTooSmall = abcierr.Register(Codespace, 11, "shielded pool holds less than the amount")
)

// PoolAccount holds the pool's public PHA.
var PoolAccount = address.Module(Name)

// DefaultRootWindow is how many blocks a root stays spendable after a newer
// one replaced it, so a proof made against a recent root still lands.
const DefaultRootWindow = 100

// Info is the pool's public summary: what the explorer shows.
type Info struct {
	// Pool is the PHA held by the pool (the sum of unspent notes).
	Pool string `json:"pool"`
	// Root is the current note commitment tree root (hex).
	Root string `json:"root"`
	// Notes counts the leaves of the tree; Nullifiers the notes spent.
	Notes      uint64 `json:"notes"`
	Nullifiers uint64 `json:"nullifiers"`
	RootWindow uint64 `json:"root_window"`
	SetUp      bool   `json:"set_up"`
}

// Leaf is one note commitment and the note sealed to its recipient.
type Leaf struct {
	Index      uint64 `json:"index"`
	Commitment []byte `json:"commitment"`
	Ciphertext []byte `json:"ciphertext"`
}

// Errors of the setup ceremony (docs/shielded.md "The setup ceremony on
// chain"): each names the check that refused a gatekeeper's message.
var (
	ErrNoCeremony     = abcierr.Register(Codespace, 12, "no setup ceremony is running")
	ErrNotContributor = abcierr.Register(Codespace, 13, "not a contributor of the setup ceremony")
	ErrOutOfTurn      = abcierr.Register(Codespace, 14, "not this contribution's turn in the setup ceremony")
	ErrWrongPrev      = abcierr.Register(Codespace, 15, "contribution does not extend the last accepted state")
	ErrBadVote        = abcierr.Register(Codespace, 16, "setup ceremony vote refused")
	ErrBadKey         = abcierr.Register(Codespace, 17, "setup ceremony verifying key refused")
	ErrRunning        = abcierr.Register(Codespace, 18, "a setup ceremony is already running")
	ErrTurnPassed     = abcierr.Register(Codespace, 19, "the contributor's turn in the setup ceremony passed")
)

// Hex is a byte string shown as hex in JSON.
type Hex = registry.HexBytes

// Contribution statuses: pending until a majority of the other
// contributors voted one way, or until its votes waited turn_blocks;
// skipped for a slot whose contributor was silent for turn_blocks, or a
// contribution no one voted on in that time. A skipped slot is not part
// of the transcript.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusRefused  = "refused"
	StatusSkipped  = "skipped"
)

// DefaultTurnBlocks is how many blocks a ceremony turn lasts when genesis
// does not say: an hour of one-second blocks, well over the ten minutes
// one 2^14 phase 1 contribution took on a loaded two-core machine.
const DefaultTurnBlocks = 3600

// MaxTurnBlocks bounds turn_blocks, so that a typo cannot leave the
// ceremony waiting on a silent contributor for months.
const MaxTurnBlocks = 1_000_000

// Ceremony is the on-chain record of the Groth16 setup ceremony: who
// contributes, where it stands, and every contribution with its votes.
// The states themselves live off chain, addressed by their SHA-256.
type Ceremony struct {
	// Circuits are the circuits set up, by name (circuit.Kind's String or
	// a test circuit's), phase 2 runs them in this order.
	Circuits []string `json:"circuits"`
	// Domain is phase 1's size: a power of two at least the largest
	// circuit's constraint count.
	Domain uint64 `json:"domain"`
	// Wanted is how many gatekeepers contribute; the ceremony starts
	// when that many are appointed, taking the first ones in order.
	Wanted uint32 `json:"wanted"`
	// Contributors are the gatekeepers taking part, in turn order; empty
	// until the ceremony starts.
	Contributors []Hex `json:"contributors"`
	// Started is the height the contributors were fixed.
	Started int64 `json:"started,omitempty"`
	// TurnBlocks is how long each step may take: a contributor's turn to
	// contribute, the others' votes on it, and the keys' agreement.
	TurnBlocks uint64 `json:"turn_blocks"`
	// TurnStart is the height the current step began: the ceremony's
	// start, the last contribution, decision or skip.
	TurnStart int64 `json:"turn_start,omitempty"`
	// Stage is 0 for phase 1, i for phase 2 of Circuits[i-1], then
	// len(Circuits)+1 while the verifying keys are agreed.
	Stage int `json:"stage"`
	// Beacon is the block hash that seals phase 1: that of the block in
	// which phase 1's last contribution was decided.
	Beacon Hex `json:"beacon,omitempty"`
	// Contributions lists every contribution in order, decided or not.
	Contributions []Contribution `json:"contributions"`
	// Keys are the verifying keys each contributor derived (by hash).
	Keys []KeyVote `json:"keys,omitempty"`
	// Done is set once every circuit's verifying key is stored.
	Done bool `json:"done,omitempty"`
	// Failed says why the ceremony stopped (a stage with no accepted
	// contribution); a new ceremony must be started.
	Failed string `json:"failed,omitempty"`
}

// Contribution is one contributor's step: the hash of its new state and
// of the state it extends (zero for a stage's first, which extends the
// stage's start state every verifier derives itself).
type Contribution struct {
	Stage       int       `json:"stage"`
	Phase       uint8     `json:"phase"`
	Circuit     string    `json:"circuit,omitempty"`
	Slot        uint32    `json:"slot"`
	Contributor Hex       `json:"contributor"`
	Prev        Hex       `json:"prev"`
	Hash        Hex       `json:"hash"`
	Height      int64     `json:"height"`
	Status      string    `json:"status"`
	Accepts     []Hex     `json:"accepts"`
	Refusals    []Refusal `json:"refusals,omitempty"`
}

// Refusal is a contributor's vote against a contribution, with the
// verification check that failed.
type Refusal struct {
	Voter  Hex    `json:"voter"`
	Reason string `json:"reason"`
}

// KeyVote is the verifying key one contributor derived for a circuit
// from the finished transcript.
type KeyVote struct {
	Circuit string `json:"circuit"`
	Voter   Hex    `json:"voter"`
	VKHash  Hex    `json:"vk_hash"`
}

// Running reports whether the ceremony still takes messages.
func (c *Ceremony) Running() bool { return len(c.Contributors) > 0 && !c.Done && c.Failed == "" }

// KeysStage is the stage in which the verifying keys are agreed.
func (c *Ceremony) KeysStage() int { return len(c.Circuits) + 1 }

// StageOf names a stage: its phase and circuit.
func (c *Ceremony) StageOf(stage int) (phase uint8, circuit string) {
	if stage == 0 {
		return 1, ""
	}
	return 2, c.Circuits[stage-1]
}

// Majority is how many contributors must derive the same verifying key.
func (c *Ceremony) Majority() int { return len(c.Contributors)/2 + 1 }

// VoteMajority is how many votes decide author's contribution (need), a
// majority of those expected to vote on it (voters): the contributors
// other than its author, whose own check of its work verifies nothing,
// and other than those whose last turn passed in silence, so that one
// gatekeeper that is down does not make every other contribution wait
// out turn_blocks for its vote. A silent contributor may still vote, and
// counts again once it contributes.
func (c *Ceremony) VoteMajority(author []byte) (need, voters int) {
	for _, id := range c.Contributors {
		if !bytes.Equal(id, author) && !c.Silent(id) {
			voters++
		}
	}
	return voters/2 + 1, voters
}

// Silent reports whether id's last turn in the ceremony passed with no
// contribution from it (its slot skipped, with no state).
func (c *Ceremony) Silent(id []byte) bool {
	last := -1
	for i, x := range c.Contributions {
		if bytes.Equal(x.Contributor, id) {
			last = i
		}
	}
	return last >= 0 && c.Contributions[last].Status == StatusSkipped && len(c.Contributions[last].Hash) == 0
}

// Deadline is the height at which the current step has lasted
// TurnBlocks.
func (c *Ceremony) Deadline() int64 { return c.TurnStart + int64(c.TurnBlocks) }

// Turn returns the slot whose contribution comes next in the current
// stage, and the contribution awaiting votes, if any.
func (c *Ceremony) Turn() (slot uint32, pending *Contribution) {
	for i := range c.Contributions {
		x := &c.Contributions[i]
		if x.Stage != c.Stage {
			continue
		}
		slot = x.Slot + 1
		if x.Status == StatusPending {
			return x.Slot, x
		}
	}
	return slot, nil
}

// LastAccepted is the hash of the last accepted contribution of stage,
// nil if there is none (the stage's start state).
func (c *Ceremony) LastAccepted(stage int) []byte {
	var h []byte
	for _, x := range c.Contributions {
		if x.Stage == stage && x.Status == StatusAccepted {
			h = x.Hash
		}
	}
	return h
}

// Accepted lists the hashes of stage's accepted contributions in order:
// the transcript a verifier replays.
func (c *Ceremony) Accepted(stage int) [][]byte {
	var out [][]byte
	for _, x := range c.Contributions {
		if x.Stage == stage && x.Status == StatusAccepted {
			out = append(out, x.Hash)
		}
	}
	return out
}

// Index is the position of id among the contributors, or -1.
func (c *Ceremony) Index(id []byte) int {
	for i, x := range c.Contributors {
		if string(x) == string(id) {
			return i
		}
	}
	return -1
}
