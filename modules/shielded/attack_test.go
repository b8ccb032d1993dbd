package shielded_test

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// shielded100 shields 100 base units to sk and returns the chain's view:
// sk's unspent notes and the tree's commitments.
func shielded100(t *testing.T, c *apptest.Chain, from apptest.Account, sk note.SpendingKey) ([]wallet.Owned, []fr.Element) {
	t.Helper()
	m, err := prover.Shield(sk.Address(), 100)
	if err != nil {
		t.Fatal(err)
	}
	res := c.Deliver(from, m)
	ok(t, "shield", res, res.Log)
	notes := mine(t, c, sk)
	_, cms := leaves(t, c)
	return notes, cms
}

// TestAttackDoubleSpend: the same note spent twice, by two different
// transfers in one block and by replaying a transfer in a later block,
// is refused by the nullifier set; the pool pays once.
func TestAttackDoubleSpend(t *testing.T) {
	c, a := setup(t, 0)
	alice, mallory := key(t), key(t)
	notes, cms := shielded100(t, c, a[0], alice)
	var spends [2]*shielded.MsgTransfer
	for i := range spends {
		m, err := prover.Transfer(alice, notes, [2]wallet.Payment{{To: mallory.Address(), Value: 90}, {To: alice.Address(), Value: 0}}, 10, a[1].Addr, cms)
		if err != nil {
			t.Fatal(err)
		}
		spends[i] = m
	}
	if spends[0].Nullifiers != spends[1].Nullifiers && spends[0].Nullifiers[0] != spends[1].Nullifiers[0] {
		t.Fatal("two spends of one note reveal different nullifiers")
	}
	results := c.Block(c.Tx(a[1], spends[0]), c.Tx(a[1], spends[1]))
	ok(t, "first spend", results[0], results[0].Log)
	refused(t, "second spend in the same block", results[1], shielded.ErrDoubleSpend)
	res := c.Deliver(a[1], spends[0])
	refused(t, "replay in a later block", res, shielded.ErrDoubleSpend)
	if pool := (balances.Keeper{}).Account(c.App.Store(), shielded.PoolAccount).Balance; pool != pha.Units(90) {
		t.Fatalf("pool holds %s, want 90 base units (100 less one fee)", pool)
	}
	if n := len(mine(t, c, mallory)); n != 1 {
		t.Fatalf("mallory has %d notes, want 1", n)
	}
}

// TestAttackRoots: a proof against a root the chain never had, and one
// against a root replaced more than the window ago, are refused before
// the proof is even checked.
func TestAttackRoots(t *testing.T) {
	c, a := setup(t, 2)
	alice := key(t)
	notes, cms := shielded100(t, c, a[0], alice)
	// A forged tree: alice's note beside a leaf the chain never saw.
	forged := append(cms[:1:1], circuit.FromUint64(7))
	other, err := prover.Unshield(alice, notes, a[2].Addr, a[1].Addr, 100, 0, forged)
	if err != nil {
		t.Fatal(err)
	}
	refused(t, "proof for another root", c.Deliver(a[1], other), shielded.ErrUnknownRoot)

	// A proof against today's root, held back until the root is stale.
	old, err := prover.Unshield(alice, notes, a[2].Addr, a[1].Addr, 100, 0, cms)
	if err != nil {
		t.Fatal(err)
	}
	shielded100(t, c, a[0], key(t)) // replaces the root at this height
	for range 3 {
		c.Block()
	}
	refused(t, "proof for a root older than the window", c.Deliver(a[1], old), shielded.ErrStaleRoot)
}

// TestAttackTamperedInputs: a relayer (or proposer) who changes any public
// field of a valid message (raise the amount out: inflation; redirect it;
// take a bigger fee) breaks the proof; garbage proofs and non-canonical
// field elements are refused with their own codes.
func TestAttackTamperedInputs(t *testing.T) {
	c, a := setup(t, 0)
	alice := key(t)
	notes, cms := shielded100(t, c, a[0], alice)
	good, err := prover.Unshield(alice, notes, a[2].Addr, a[1].Addr, 60, 5, cms)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(m *shielded.MsgUnshield)
		want *abcierr.Error
	}{
		{"inflation: amount raised", func(m *shielded.MsgUnshield) { m.Amount = pha.Units(95) }, shielded.ErrBadProof},
		{"recipient changed", func(m *shielded.MsgUnshield) { m.Recipient = a[1].Addr }, shielded.ErrBadProof},
		{"fee raised", func(m *shielded.MsgUnshield) { m.Fee = pha.Units(40) }, shielded.ErrBadProof},
		{"fee redirected by a front-runner", func(m *shielded.MsgUnshield) { m.Relayer = a[2].Addr }, shielded.ErrBadProof},
		{"change note swapped", func(m *shielded.MsgUnshield) { m.Change[31] ^= 1 }, shielded.ErrBadProof},
		{"sealed note changed", func(m *shielded.MsgUnshield) { m.ChangeCiphertext[0] ^= 1 }, shielded.ErrBadProof},
		{"malformed proof", func(m *shielded.MsgUnshield) { m.Proof[5] ^= 0xff }, shielded.ErrBadProof},
		{"zero proof", func(m *shielded.MsgUnshield) { m.Proof = make([]byte, circuit.ProofSize) }, shielded.ErrBadProof},
		{"non-canonical nullifier", func(m *shielded.MsgUnshield) { m.Nullifiers[0] = [32]byte{0xff, 0xff} }, shielded.ErrMalformed},
		{"amount over 64 bits", func(m *shielded.MsgUnshield) { m.Amount = pha.Whole(100_000_000) }, shielded.ErrBadAmount},
	}
	for _, tc := range cases {
		m := *good
		m.Proof = append([]byte(nil), good.Proof...)
		m.ChangeCiphertext = append([]byte(nil), good.ChangeCiphertext...)
		tc.edit(&m)
		refused(t, tc.name, c.Deliver(a[1], &m), tc.want)
	}
	if pool := (balances.Keeper{}).Account(c.App.Store(), shielded.PoolAccount).Balance; pool != pha.Units(100) {
		t.Fatalf("pool holds %s after refused unshields, want 100", pool)
	}
	// a[1]'s nonce: refusals in ValidateBasic do not use one, so the
	// untampered message goes from a fresh sender.
	res := c.Deliver(a[0], good)
	ok(t, "the untampered unshield", res, res.Log)
}
