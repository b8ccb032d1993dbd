package shielded_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// junkProofs are transfers that pass every check but the proof: the
// chain's current root, fresh nullifiers, well-formed fields, and a proof
// that is random bytes, zeros, or a real proof of another transfer (valid
// curve points, so the node runs the whole pairing check to refuse it).
func junkProofs(t *testing.T, good *shielded.MsgTransfer, n int) []*shielded.MsgTransfer {
	t.Helper()
	out := make([]*shielded.MsgTransfer, n)
	for i := range out {
		m := *good
		m.Nullifiers[0][31] ^= byte(i + 1) // a fresh nullifier, still canonical
		switch i % 3 {
		case 0:
			m.Proof = good.Proof
		case 1:
			m.Proof = make([]byte, circuit.ProofSize)
		default:
			m.Proof = make([]byte, circuit.ProofSize)
			if _, err := rand.Read(m.Proof); err != nil {
				t.Fatal(err)
			}
		}
		out[i] = &m
	}
	return out
}

// TestAttackJunkProofs: mallory floods the chain with transfers carrying
// junk proofs. The mempool refuses every one at CheckTx with the proof
// check named, so an honest proposer never includes them; a hostile
// proposer who puts them in a block anyway makes mallory pay each one's
// fee, and the pool, the tree and the nullifier set stay as they were.
func TestAttackJunkProofs(t *testing.T) {
	c, a := setup(t, 0)
	alice, mallory := key(t), a[2]
	notes, cms := shielded100(t, c, a[0], alice)
	good, err := prover.Transfer(alice, notes, [2]wallet.Payment{{To: alice.Address(), Value: 90}, {To: alice.Address(), Value: 0}}, 10, mallory.Addr, cms)
	if err != nil {
		t.Fatal(err)
	}
	const burst = 9
	junk := junkProofs(t, good, burst)
	kv := c.App.Store()
	before := (balances.Keeper{}).Account(kv, mallory.Addr)
	var info shielded.Info
	c.Query(shielded.InfoPath(), &info)

	// The burst at the mempool: one nonce, since a refused tx uses none.
	for i, m := range junk {
		raw := signed(mallory, before.Nonce, m)
		res := c.Check(raw)
		if res.Codespace != shielded.Codespace || res.Code != shielded.ErrBadProof.Code || !strings.Contains(res.Log, "proof") {
			t.Fatalf("junk proof %d at CheckTx: got %s/%d %q, want %s/%d naming the proof check", i, res.Codespace, res.Code, res.Log, shielded.Codespace, shielded.ErrBadProof.Code)
		}
		if i == 0 {
			t.Logf("CheckTx refuses: %s", res.Log)
		}
	}

	// A hostile proposer's block of the burst, with consecutive nonces.
	txs := make([][]byte, burst)
	for i, m := range junk {
		txs[i] = signed(mallory, before.Nonce+uint64(i), m)
	}
	for _, res := range c.Block(txs...) {
		refused(t, "junk proof in a block", res, shielded.ErrBadProof)
	}
	after := (balances.Keeper{}).Account(c.App.Store(), mallory.Addr)
	var fees pha.Amount
	for range burst {
		if fees, err = fees.Add(apptest.Fee()); err != nil {
			t.Fatal(err)
		}
	}
	if paid, _ := before.Balance.Sub(after.Balance); paid != fees || after.Nonce != before.Nonce+burst {
		t.Fatalf("mallory paid %s and used %d nonces for %d junk transfers in a block, want %s and %d", paid.PHA(), after.Nonce-before.Nonce, burst, fees.PHA(), burst)
	}
	var now shielded.Info
	c.Query(shielded.InfoPath(), &now)
	if now != info {
		t.Fatalf("pool changed by refused transfers: %+v, was %+v", now, info)
	}
	if pool := (balances.Keeper{}).Account(c.App.Store(), shielded.PoolAccount).Balance; pool != pha.Units(100) {
		t.Fatalf("pool holds %s, want 100 base units", pool)
	}
}

// signed is m signed by a with nonce n and the minimum fee.
func signed(a apptest.Account, n uint64, m tx.Msg) []byte {
	t := &tx.Tx{ChainID: apptest.ChainID, Nonce: n, Fee: apptest.Fee(), Msgs: []tx.Msg{m}}
	t.Sign(a.Key)
	return t.Encode()
}
