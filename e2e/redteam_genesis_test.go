package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee/sim"
)

// reAnotherChain is the refusal of an enclave restarted on another genesis.
var (
	reAnotherChain = regexp.MustCompile(`sealed store belongs to another chain \(genesis [0-9a-f]+`)
	reRefusal      = regexp.MustCompile(`.*sealed store belongs to another chain.*`)
)

// TestRedTeamSwappedGenesis: the operator of a genesis gatekeeper stops
// the devnet, takes the gatekeeper's home (its sealed store holds every
// master-key generation), and builds a private chain of their own: the
// same chain id and the very same app_state (sim TEEs allowed, the same
// sim attestation key, the gatekeeper's operator a genesis gatekeeper),
// but their own validator. They restart the real enclave (`phala worker`)
// on it from the stolen home, once swapping the genesis file under the
// home and once naming it with --genesis, and run an accomplice worker
// they can read (its sim seed is theirs) which they make a gatekeeper.
// The enclave must refuse to run, naming the wrong genesis, and no master
// key of any generation of the real chain may reach the accomplice.
func TestRedTeamSwappedGenesis(t *testing.T) {
	h := newLongHarness(t, "runs two chains and worker processes")
	realHome, gkHome, realMasters := realChainGatekeeper(t, h)

	// The attacker's chain: the real genesis with their own validator.
	evilHome := filepath.Join(t.TempDir(), "evil")
	forkGenesis(t, realHome, evilHome)
	dn, _, url := h.startDevnetAt(evilHome, "--block-time", "200ms", "--workers", "0")
	c := newClient(t, url)
	waitHeight(t, c, 2, 30*time.Second, dn)
	evilGenesis := filepath.Join(evilHome, "config", "genesis.json")
	gkArgs := simWorkerArgs(gkHome, evilHome, url, "worker0")

	// The accomplice: a worker whose sealed store the attacker can read,
	// made a gatekeeper by the attacker's key authority.
	accHome := filepath.Join(t.TempDir(), "accomplice")
	acc := h.start("accomplice", simWorkerArgs(accHome, evilHome, url, "bob")...)
	accID := acc.waitLine(reWorkerID, 30*time.Second)[1]
	waitFor(t, 60*time.Second, "the accomplice to register", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &ws) != nil {
			return false, nil
		}
		return slices.ContainsFunc(ws, func(w registry.Worker) bool { return w.ID.String() == accID }), nil
	}, dn, acc)
	gkRegistered := func() bool {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &ws) == nil &&
			slices.ContainsFunc(ws, func(w registry.Worker) bool { return w.ID.String() != accID })
	}
	gkHolds := func() bool {
		st, err := h.keyState(url)
		return err == nil && st.Generation != nil && slices.ContainsFunc(st.Gatekeepers, func(g keys.Gatekeeper) bool {
			return hex.EncodeToString(g.Worker) != accID && g.Holds
		})
	}
	accHolds := func() bool {
		st, err := h.keyState(url)
		return err == nil && st.Generation != nil && slices.ContainsFunc(st.Gatekeepers, func(g keys.Gatekeeper) bool {
			return hex.EncodeToString(g.Worker) == accID && g.Holds
		})
	}
	accAdded := false
	addAccomplice := func() {
		if !accAdded {
			h.mustRun(append([]string{"gov", "add-gatekeeper", accID}, cliFlags(evilHome, url)...)...)
			accAdded = true
		}
	}

	// The host swaps the genesis file the worker keeps under its home;
	// then it names its genesis on the command line instead. If the
	// enclave runs and makes the chain's master key, the accomplice
	// becomes a gatekeeper and waits for its share.
	copyFile(t, evilGenesis, filepath.Join(gkHome, "genesis.json"))
	for i, extra := range [][]string{nil, {"--genesis", evilGenesis}} {
		gk := h.start(fmt.Sprintf("stolen-gatekeeper-%d", i), append(gkArgs, extra...)...)
		waitFor(t, 90*time.Second, "the stolen enclave to exit or to register", func() (bool, error) {
			return gk.exited() || gkRegistered(), nil
		}, dn, acc)
		if !gk.exited() {
			t.Errorf("%s: the enclave runs on the attacker's genesis and registered there", gk.name)
			addAccomplice()
			// Fifty blocks for the enclave to make or share a master key.
			waitHeight(t, c, mustHeight(t, c)+50, 60*time.Second, dn, acc)
			if gkHolds() {
				t.Errorf("%s: the enclave published a master key on the attacker's chain", gk.name)
			}
			gk.kill()
			continue
		}
		out := gk.stdout() + tailFile(gk.stderrPath, 4000)
		if code := gk.waitExit(time.Second); code == 0 || !reAnotherChain.MatchString(out) {
			t.Errorf("%s: exit %d, no wrong-genesis refusal; output:\n%s", gk.name, code, tail(out, 3000))
		}
		t.Logf("%s refused: %s", gk.name, reRefusal.FindString(out))
	}
	// The accomplice is a gatekeeper of the attacker's chain either way;
	// fifty blocks for a share to reach it.
	addAccomplice()
	waitHeight(t, c, mustHeight(t, c)+50, 60*time.Second, dn, acc)
	t.Logf("accomplice holds a master key of the attacker's chain: %v", accHolds())

	st, err := h.keyState(url)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation != nil {
		for n, secret := range realMasters {
			if bytes.Equal(masterPublicKeys(t, simProvider(t, realHome, gkHome), secret).Sign, st.Generation.SignKey) {
				t.Errorf("the attacker's chain runs on the real chain's master generation %d", n)
			}
		}
	}
	acc.interrupt()
	acc.waitExit(30 * time.Second)
	got := sealedMastersIfAny(t, simProvider(t, evilHome, accHome), accHome, evilGenesis)
	for n, secret := range realMasters {
		for m, s := range got {
			if bytes.Equal(s, secret) {
				t.Errorf("real master generation %d reached the accomplice (its generation %d)", n, m)
			}
		}
	}
}

// realChainGatekeeper runs the real devnet until its genesis gatekeeper
// holds two master generations, stops it, and returns the devnet's home,
// the gatekeeper's home and the generations it sealed.
func realChainGatekeeper(t *testing.T, h *harness) (home, gkHome string, masters map[uint64][]byte) {
	t.Helper()
	dn, home, url := h.startDevnet("--block-time", "200ms", "--workers", "1", "--gatekeepers", "1", "--cluster=false")
	c := newClient(t, url)
	waitHeight(t, c, 2, 30*time.Second, dn)
	waitFor(t, 60*time.Second, "generation 0", func() (bool, error) {
		st, err := h.keyState(url)
		return err == nil && st.Generation != nil && len(st.Gatekeepers) == 1 && st.Gatekeepers[0].Holds, nil
	}, dn)
	h.mustRun(append([]string{"gov", "rotate-keys"}, cliFlags(home, url)...)...)
	waitFor(t, 60*time.Second, "generation 1", func() (bool, error) {
		st, err := h.keyState(url)
		return err == nil && st.Generation != nil && st.Generation.Number == 1 && st.Running == nil && st.Gatekeepers[0].Holds, nil
	}, dn)
	dn.interrupt()
	if code := dn.waitExit(60 * time.Second); code != 0 {
		t.Fatalf("devnet exited %d", code)
	}
	gkHome = filepath.Join(t.TempDir(), "stolen-gatekeeper")
	if err := os.CopyFS(gkHome, os.DirFS(filepath.Join(home, "workers", "worker0"))); err != nil {
		t.Fatal(err)
	}
	masters = sealedMasters(t, simProvider(t, home, gkHome), gkHome, filepath.Join(home, "config", "genesis.json"))
	if len(masters) < 2 {
		t.Fatalf("the real gatekeeper sealed %d generations, want 2", len(masters))
	}
	return home, gkHome, masters
}

// forkGenesis writes the attacker's chain home: the real devnet's keyring,
// sim attestation key and genesis (chain id and app_state unchanged), with
// a validator of the attacker's own in place of the real one.
func forkGenesis(t *testing.T, realHome, evilHome string) {
	t.Helper()
	if err := os.CopyFS(evilHome, os.DirFS(realHome)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"data", "workers", filepath.Join("config", "priv_validator_key.json"), filepath.Join("config", "node_key.json")} {
		if err := os.RemoveAll(filepath.Join(evilHome, p)); err != nil {
			t.Fatal(err)
		}
	}
	pub, err := node.InitFiles(evilHome, node.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	gp := filepath.Join(evilHome, "config", "genesis.json")
	doc, err := cmttypes.GenesisDocFromFile(gp)
	if err != nil {
		t.Fatal(err)
	}
	doc.Validators = []cmttypes.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "attacker"}}
	if err := doc.SaveAs(gp); err != nil {
		t.Fatal(err)
	}
}

// startDevnetAt runs `phala devnet` on an existing home.
func (h *harness) startDevnetAt(home string, args ...string) (dn *proc, _, url string) {
	h.t.Helper()
	port := freePort(h.t)
	url = "http://127.0.0.1:" + strconv.Itoa(port)
	dn = h.start("evil-devnet", append([]string{"devnet", "--home", home, "--rpc-port", strconv.Itoa(port)}, args...)...)
	return dn, home, url
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sealedMastersIfAny is sealedMasters for a worker that may hold none.
func sealedMastersIfAny(t *testing.T, p *sim.Provider, workerHome, genesisPath string) map[uint64][]byte {
	t.Helper()
	if !hasSealedEntry(t, p, workerHome, genesisPath, pruntime.EntryMasterKeys) {
		return nil
	}
	return sealedMasters(t, p, workerHome, genesisPath)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// masterPublicKeys are the public keys of a master secret, derived as the
// enclave of provider p derives them.
func masterPublicKeys(t *testing.T, p *sim.Provider, secret []byte) keyderive.PublicKeys {
	t.Helper()
	s, err := keyderive.NewSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := keyderive.Pairs(s, p.DeriveLabel)
	if err != nil {
		t.Fatal(err)
	}
	return pairs.Public()
}
