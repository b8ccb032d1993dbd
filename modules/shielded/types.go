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
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
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
