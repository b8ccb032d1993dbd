package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// TestShieldedPrivateTransfers runs the documented scenario through the
// real binary on a devnet started with --shielded: alice shields 100 PHA,
// sends 40 privately to bob's shielded address, bob unshields 15 to
// carol. Public and shielded balances come out right, the supply is
// unchanged, an auditor with bob's exported viewing key sees his note,
// and no private amount, shielded address or note plaintext appears in
// the chain's data, the devnet's logs or the explorer API.
func TestShieldedPrivateTransfers(t *testing.T) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--shielded", "--workers", "0", "--block-time", "200ms")
	gw := dn.waitLine(reBannerGateway, 90*time.Second)[1]
	dn.waitLine(regexShieldedBanner, 10*time.Second)
	flags := cliFlags(home, url)
	run := func(out any, args ...string) { h.mustRunJSON(out, append(args, flags...)...) }
	addrs := h.keyAddresses(home)
	supplyBefore := supply(t, h, url)
	alice0, bob0, carol0 := h.balance(url, addrs["alice"]), h.balance(url, addrs["bob"]), h.balance(url, addrs["carol"])

	var bobZ shieldedAddr
	run(&bobZ, "shielded", "address", "--from", "bob")
	var shieldRes, sendRes, unshieldRes client.Committed
	run(&shieldRes, "shielded", "shield", "100PHA", "--from", "alice")
	r := h.run(append([]string{"shielded", "send", bobZ.Address, "40PHA", "--from", "alice", "--output", "json"}, flags...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "proving transfer") {
		t.Fatalf("send: no proving progress on stderr, or failed:\n%s", r)
	}
	json.Unmarshal([]byte(r.stdout), &sendRes)
	run(&unshieldRes, "shielded", "unshield", "carol", "15PHA", "--from", "bob")

	// Public balances: alice paid 100 and two fees, bob one fee, carol got 15.
	wantAlice := mustSub(t, mustSub(t, mustSub(t, alice0, pha.Whole(100)), fee(t, shieldRes)), fee(t, sendRes))
	if got := h.balance(url, addrs["alice"]); got != wantAlice {
		t.Errorf("alice: %s, want %s", got.PHA(), wantAlice.PHA())
	}
	if got, want := h.balance(url, addrs["bob"]), mustSub(t, bob0, fee(t, unshieldRes)); got != want {
		t.Errorf("bob: %s, want %s", got.PHA(), want.PHA())
	}
	if got, want := h.balance(url, addrs["carol"]), mustAdd(t, carol0, pha.Whole(15)); got != want {
		t.Errorf("carol: %s, want %s", got.PHA(), want.PHA())
	}
	for name, want := range map[string]uint64{"alice": 60, "bob": 25} {
		var b struct {
			Balance pha.Amount `json:"balance"`
		}
		run(&b, "shielded", "balance", "--from", name)
		if b.Balance != pha.Whole(want) {
			t.Errorf("%s's shielded balance: %s, want %dPHA", name, b.Balance.PHA(), want)
		}
	}
	if got := supply(t, h, url); got != supplyBefore {
		t.Errorf("supply %s after the transfers, %s before", got.PHA(), supplyBefore.PHA())
	}

	// An auditor with bob's viewing key sees the 40 he received (and the
	// 25 change), and cannot tell which was spent.
	var vk struct {
		ViewingKey string `json:"viewing_key"`
	}
	run(&vk, "shielded", "export-viewing-key", "--from", "bob")
	var imp shieldedAddr
	run(&imp, "shielded", "import-viewing-key", "bob-audit", vk.ViewingKey)
	var audit struct {
		Balance  pha.Amount `json:"balance"`
		ViewOnly bool       `json:"view_only"`
	}
	run(&audit, "shielded", "balance", "--from", "bob-audit")
	if imp.Address != bobZ.Address || !audit.ViewOnly || audit.Balance != pha.Whole(65) {
		t.Errorf("auditor: address %s (bob's %s), view-only %v, received %s, want 65PHA", imp.Address, bobZ.Address, audit.ViewOnly, audit.Balance.PHA())
	}

	// The viewing key cannot spend: there is no account key to sign or to
	// derive the spending key from.
	if r := h.run(append([]string{"shielded", "unshield", "carol", "1PHA", "--from", "bob-audit"}, flags...)...); r.code == 0 || !strings.Contains(r.stderr, "key not found") {
		t.Errorf("unshield with a viewing key only: want a refusal naming the missing key:\n%s", r)
	}

	code, body := httpGet(t, gw+"/explorer/api/shielded")
	explorerShielded := []byte(body)
	if code != http.StatusOK {
		t.Fatalf("explorer /api/shielded: %d %s", code, body)
	}
	var pool struct {
		Pool       string `json:"pool"`
		Notes      uint64 `json:"notes"`
		Nullifiers uint64 `json:"nullifiers"`
	}
	json.Unmarshal(explorerShielded, &pool)
	// Four nullifiers: each spend reveals two (one may be a dummy's).
	if pool.Pool != "85PHA" || pool.Notes != 4 || pool.Nullifiers != 4 {
		t.Errorf("explorer: %s, want pool 85PHA, 4 notes, 4 nullifiers", explorerShielded)
	}
	leaves, err := newClient(t, url).ShieldedLeaves(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dn.interrupt()
	shieldedCanaries(t, home, leaves, dn, explorerShielded)
}

// regexShieldedBanner is the devnet banner's shielded line.
var regexShieldedBanner = regexp.MustCompile(`^\s*shielded:\s+pool set up by a DEVNET setup`)

// shieldedAddr is `phala shielded address`'s JSON.
type shieldedAddr struct {
	Address string `json:"address"`
}

// shieldedCanaries looks for bob's note plaintext (its randomness), the
// private amounts (40 sent, 60 and 25 change, as a note carries them),
// bob's shielded address and its keys in every file of the stopped
// devnet's home (LevelDB entries scanned one by one), its logs and the
// explorer's answer. The commitment of bob's note is public: it must be
// found, or the search proves nothing.
func shieldedCanaries(t *testing.T, home string, leaves []shielded.Leaf, dn *proc, explorer []byte) {
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := kr.SpendingKey("bob")
	if err != nil {
		t.Fatal(err)
	}
	mine := wallet.Scan(sk.ViewingKey(), leaves)
	if len(mine) != 2 {
		t.Fatalf("bob's notes: %d, want 2 (40 received, 25 change)", len(mine))
	}
	canaries := map[string][]byte{"bob's shielded address": []byte(sk.Address().String())}
	addr := sk.Address()
	owner := addr.Owner.Bytes()
	canaries["bob's owner key"], canaries["bob's viewing public key"] = owner[:], addr.View[:]
	for i, o := range mine {
		rho := o.Note.Rho.Bytes()
		canaries[fmt.Sprintf("note %d randomness", i)] = rho[:]
	}
	for _, v := range []uint64{40, 60, 25} {
		canaries[fmt.Sprintf("private amount %d PHA", v)] = binary.BigEndian.AppendUint64(nil, pha.Whole(v).Uint128().Lo)
	}
	cmEl := mine[0].Note.Commitment()
	cm := cmEl.Bytes()
	control := cm[:]
	var hits []string
	controlSeen := false
	look := func(where string, data []byte) {
		if bytes.Contains(data, control) {
			controlSeen = true
		}
		for name, c := range canaries {
			for form, needle := range forms(c) {
				if bytes.Contains(data, needle) {
					hits = append(hits, fmt.Sprintf("%s (%s) in %s", name, form, where))
				}
			}
		}
	}
	look("explorer /api/shielded", explorer)
	for _, f := range []string{dn.stdoutPath, dn.stderrPath} {
		b, _ := os.ReadFile(f)
		look("devnet log "+filepath.Base(f), b)
	}
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || strings.Contains(path, "keyring-") {
			return nil // the keyring holds bob's key by design
		}
		if d.IsDir() && strings.HasSuffix(path, ".db") {
			scanLevelDB(t, path, look)
			return nil
		}
		if !d.IsDir() {
			if b, err := os.ReadFile(path); err == nil {
				look(strings.TrimPrefix(path, home), b)
			}
		}
		return nil
	})
	if !controlSeen {
		t.Fatal("the control (bob's public note commitment) was not found: the search proves nothing")
	}
	if len(hits) > 0 {
		t.Fatalf("%d canary hits:\n  %s", len(hits), strings.Join(hits, "\n  "))
	}
}

// supply is the chain's total supply.
func supply(t *testing.T, h *harness, url string) pha.Amount {
	t.Helper()
	var s struct {
		Total pha.Amount `json:"total"`
	}
	h.mustRunJSON(&s, "query", "supply", "--node", url)
	return s.Total
}

// fee is what a committed transaction paid.
func fee(t *testing.T, res client.Committed) pha.Amount {
	t.Helper()
	a, err := pha.Parse(res.Fee)
	if err != nil {
		t.Fatalf("fee of %s: %v", res.Hash, err)
	}
	return a
}
