package shielded_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
)

var (
	setupOnce sync.Once
	prover    *wallet.Prover
	genesis   shielded.Genesis
	setupErr  error
)

// setup compiles the circuits and runs one single-party setup per test
// binary (the ceremony is tested in shielded/ceremony).
func setup(t *testing.T, window uint64) (*apptest.Chain, []apptest.Account) {
	t.Helper()
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	setupOnce.Do(func() {
		logger.Set(zerolog.Nop())
		var vks map[circuit.Kind][]byte
		p, keys, err := wallet.Setup()
		if err != nil {
			setupErr = err
			return
		}
		vks = map[circuit.Kind][]byte{}
		for k, vk := range keys {
			if vks[k], setupErr = circuit.EncodeVerifyingKey(vk); setupErr != nil {
				return
			}
		}
		prover = p
		genesis = shielded.Genesis{Shield: hex.EncodeToString(vks[circuit.KindShield]),
			Transfer: hex.EncodeToString(vks[circuit.KindTransfer]), Unshield: hex.EncodeToString(vks[circuit.KindUnshield])}
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	g := genesis
	g.RootWindow = window
	accts := []apptest.Account{apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)}
	return apptest.New(t, accts, map[string]any{shielded.Name: g}), accts
}

func key(t *testing.T) note.SpendingKey {
	t.Helper()
	k, err := note.NewSpendingKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leaves reads the tree's leaves from the chain.
func leaves(t *testing.T, c *apptest.Chain) ([]shielded.Leaf, []fr.Element) {
	t.Helper()
	var ls []shielded.Leaf
	if res := c.Query(shielded.LeavesPath(0), &ls); res.Code != 0 {
		t.Fatalf("leaves query: %s", res.Log)
	}
	cms, err := wallet.Commitments(ls)
	if err != nil {
		t.Fatal(err)
	}
	return ls, cms
}

// mine is sk's unspent notes, found by scanning and asking the chain
// which nullifiers are spent.
func mine(t *testing.T, c *apptest.Chain, sk note.SpendingKey) []wallet.Owned {
	t.Helper()
	ls, _ := leaves(t, c)
	notes, err := wallet.Unspent(sk, wallet.Scan(sk.ViewingKey(), ls), func(nf shielded.Hash) (bool, error) {
		var spent bool
		if res := c.Query(shielded.SpentPath(nf[:]), &spent); res.Code != 0 {
			return false, fmt.Errorf("spent query: %s", res.Log)
		}
		return spent, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return notes
}

func ok(t *testing.T, what string, res interface{ IsErr() bool }, log string) {
	t.Helper()
	if res.IsErr() {
		t.Fatalf("%s refused: %s", what, log)
	}
}

// refused fails unless res is refused with want.
func refused(t *testing.T, what string, res *abci.ExecTxResult, want *abcierr.Error) {
	t.Helper()
	if res.Codespace != shielded.Codespace || res.Code != want.Code {
		t.Fatalf("%s: got %s/%d %q, want %s/%d (%s)", what, res.Codespace, res.Code, res.Log, shielded.Codespace, want.Code, want.Desc)
	}
	t.Logf("%s refused: %s", what, res.Log)
}

// canary fails if a private transfer's amount or recipient shows in its
// message bytes, its events or its log.
func canary(t *testing.T, res *abci.ExecTxResult, body []byte, amount uint64, recipient string) {
	t.Helper()
	secrets := [][]byte{[]byte(strconv.FormatUint(amount, 10)), binary.BigEndian.AppendUint64(nil, amount), []byte(recipient)}
	public := [][]byte{body, []byte(res.Log)}
	for _, e := range res.Events {
		for _, a := range e.Attributes {
			public = append(public, []byte(a.Key), []byte(a.Value))
		}
	}
	for _, p := range public {
		for _, secret := range secrets {
			if bytes.Contains(p, secret) {
				t.Fatalf("private transfer leaks %q in %q", secret, p)
			}
		}
	}
}

// TestShieldSendUnshield is the pool's honest path: alice shields 100 PHA,
// sends 40 to bob privately (fee 1 to the relayer), bob unshields 15 to
// carol; balances add up and the pool holds exactly the unspent notes.
func TestShieldSendUnshield(t *testing.T) {
	c, a := setup(t, 0)
	alice, bob, carol := key(t), key(t), a[2]
	whole := func(n uint64) uint64 { return n * 1_000_000_000_000 }
	shield, err := prover.Shield(alice.Address(), whole(100))
	if err != nil {
		t.Fatal(err)
	}
	res := c.Deliver(a[0], shield)
	ok(t, "shield", res, res.Log)
	notes := mine(t, c, alice)
	if len(notes) != 1 || notes[0].Note.Value != whole(100) {
		t.Fatalf("alice scans %v, want one note of 100 PHA", notes)
	}
	if len(mine(t, c, bob)) != 0 {
		t.Fatal("bob's viewing key decrypts alice's note")
	}
	_, cms := leaves(t, c)
	send, err := prover.Transfer(alice, notes, [2]wallet.Payment{{To: bob.Address(), Value: whole(40)}, {To: alice.Address(), Value: whole(59)}}, whole(1), a[1].Addr, cms)
	if err != nil {
		t.Fatal(err)
	}
	res = c.Deliver(a[1], send)
	ok(t, "transfer", res, res.Log)
	canary(t, res, tx.EncodeMsg(send), whole(40), bob.Address().String())
	bobNotes := mine(t, c, bob)
	if len(bobNotes) != 1 || bobNotes[0].Note.Value != whole(40) {
		t.Fatalf("bob scans %v, want one note of 40 PHA", bobNotes)
	}
	_, cms = leaves(t, c)
	out, err := prover.Unshield(bob, bobNotes, carol.Addr, a[1].Addr, whole(15), 0, cms)
	if err != nil {
		t.Fatal(err)
	}
	carolBefore := (balances.Keeper{}).Account(c.App.Store(), carol.Addr).Balance
	res = c.Deliver(a[1], out)
	ok(t, "unshield", res, res.Log)
	kv := c.App.Store()
	if got, _ := (balances.Keeper{}).Account(kv, carol.Addr).Balance.Sub(carolBefore); got != pha.Whole(15) {
		t.Fatalf("carol got %s, want 15 PHA", got.PHA())
	}
	// 100 in, 1 fee and 15 out: 84 PHA in notes (59 alice, 25 bob).
	var info shielded.Info
	c.Query(shielded.InfoPath(), &info)
	if info.Pool != pha.Whole(84).String() || info.Notes != 4 || info.Nullifiers != 4 {
		t.Fatalf("pool info %+v, want 84 PHA, 4 notes (shield, two outputs, change), 4 nullifiers (each spend reveals two: one is a dummy's)", info)
	}
	if left := mine(t, c, bob); len(left) != 1 || left[0].Note.Value != whole(25) {
		t.Fatalf("bob's change %v, want 25 PHA", left)
	}
}
