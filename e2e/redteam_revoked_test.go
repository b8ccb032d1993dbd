package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestRedTeamRevokedTDX: a TDX machine (the fake hardware, under the
// devnet's test roots, whose CRLs revoke nothing at genesis) runs a
// registered worker; then Intel revokes its PCK certificate and the DAO
// installs the new CRL with `phala gov propose set-tdx-collateral`. The
// enacting block retires the running worker, naming the certificate. The
// machine's operator then runs another `phala worker --tee tdx
// --tee-fake`: its registration is refused naming the revocation, the
// worker exits with it, and the chain records no second worker.
func TestRedTeamRevokedTDX(t *testing.T) {
	crls, err := teefake.TDXCollateral(teefake.CRLOptions{RevokePCK: true, ThisUpdate: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	redTeamRevoked(t, tee.KindTDX, crls, `certificate revoked: tdx: PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`)
}

// TestRedTeamRevokedSEVSNP is TestRedTeamRevokedTDX on AMD's side: AMD
// revokes the ASK of a product line, the DAO installs the ARK's new CRL
// (`phala gov propose set-tdx-collateral`, which carries AMD's CRLs too),
// the running worker is retired naming it, and another `phala worker
// --tee sev-snp --tee-fake` is refused naming it at each try, never
// recorded.
func TestRedTeamRevokedSEVSNP(t *testing.T) {
	crls, err := teefake.SEVSNPCollateral(teefake.CRLOptions{RevokeASK: true, ThisUpdate: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	// As the worker logs it, quoted: it keeps retrying, so the refusal is
	// a log line, not its exit error.
	redTeamRevoked(t, tee.KindSEVSNP, crls, `certificate revoked: sev-snp: ASK \"SEV-Milan\" serial 3235823838 revoked`)
}

// redTeamRevoked runs a fake worker of kind on a devnet trusting the
// fake hardware, installs crls by proposal, which must retire it naming
// want, and runs another, which must give up with want.
func redTeamRevoked(t *testing.T, kind tee.Kind, crls tee.TDXCollateral, want string) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--workers", "0", "--tee-test-roots", "--block-time", "200ms")
	dn.waitLine(reBannerGateway, 60*time.Second)
	kr := cliFlags(home, url)
	run := func(args ...string) string { return h.mustRun(append(args, kr...)...) }
	workers := func() []registry.Worker {
		var ws, mine []registry.Worker
		r := h.run(append([]string{"query", "workers", "--output", "json"}, kr...)...)
		if r.code == 0 && json.Unmarshal([]byte(r.stdout), &ws) == nil {
			for _, x := range ws {
				if x.TEE == kind {
					mine = append(mine, x)
				}
			}
		}
		return mine
	}
	first := h.start(string(kind)+"-worker-1", fakeWorkerArgs(t, kind, "carol", home, url)...)
	var registered registry.Worker
	waitFor(t, 60*time.Second, "the "+string(kind)+" worker to register before the revocation", func() (bool, error) {
		ws := workers()
		if len(ws) == 1 {
			registered = ws[0]
		}
		return len(ws) == 1, nil
	}, dn, first)

	raw, _ := json.Marshal(crls)
	file := filepath.Join(t.TempDir(), "crls.json")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	run("gov", "lock", "1000PHA", "--from", "alice")
	m := regexp.MustCompile(`proposal (\d+) opened`).FindStringSubmatch(run("gov", "propose", "set-tdx-collateral", file, "--deposit", "10PHA", "--from", "alice"))
	if m == nil {
		t.Fatal("no proposal id")
	}
	run("gov", "vote", m[1], "yes", "--from", "alice")
	waitFor(t, 90*time.Second, "the revoking CRL to be enacted", func() (bool, error) {
		var out struct {
			Proposals []dao.Proposal `json:"proposals"`
		}
		r := h.run(append([]string{"gov", "list", "--output", "json"}, kr...)...)
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Proposals) == 0 {
			return false, nil
		}
		p := out.Proposals[len(out.Proposals)-1]
		if p.Status != dao.StatusVoting && p.Status != dao.StatusPassed && p.Status != dao.StatusEnacted {
			t.Fatalf("proposal %s", p.Status)
		}
		return p.Status == dao.StatusEnacted, nil
	}, dn)

	// The block that installed the CRL retired the worker that
	// registered before it, naming the certificate (as a record, not a
	// log line: unquoted).
	ws := workers()
	if len(ws) != 1 || ws[0].ID != registered.ID || ws[0].Retired == nil || !strings.Contains(ws[0].Retired.Reason, strings.ReplaceAll(want, `\"`, `"`)) {
		t.Fatalf("after the revoking CRL the %s workers are %+v, want %s retired naming %q", kind, ws, registered.ID, want)
	}
	first.interrupt() // a TDX worker still waits for its sealing key: Ctrl-C stops it cleanly

	// The chain refuses a new registration, naming the revocation: a TDX
	// worker, which must register before it can get its sealing key,
	// gives up and exits; an SEV-SNP worker keeps retrying. Neither is
	// ever recorded.
	w := h.start(string(kind)+"-worker-2", fakeWorkerArgs(t, kind, "carol", home, url)...)
	var stderr []byte
	waitFor(t, 90*time.Second, "the revoked "+string(kind)+" worker to be refused", func() (bool, error) {
		if ws := workers(); len(ws) != 1 {
			t.Fatalf("revoked platform registered: %+v", ws)
		}
		exited := w.exited() // before the read: an exited worker's log is whole
		var err error
		stderr, err = os.ReadFile(w.stderrPath)
		return err == nil && strings.Contains(string(stderr), want) && (kind != tee.KindTDX || exited), err
	}, dn, w)
	if kind == tee.KindTDX {
		if code := w.waitExit(time.Second); code == 0 {
			t.Fatalf("worker exit %d, stderr:\n%s", code, stderr)
		}
	}
}
