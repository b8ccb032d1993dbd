package dao_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/testing/testdata"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/tee/tdxtest"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestSimByVoteRefused: no proposal can trust simulated TEEs or a new sim
// attestation key, or rewrite the allow-list around remove_measurement;
// each is refused when proposed, naming the genesis-fixed check, however
// the param's name is spelt (JSON field names match case-insensitively).
func TestSimByVoteRefused(t *testing.T) {
	g := apptest.SimRegistry()
	g.Params.AllowSimTEE = false
	c := newChain(t, g, keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	key := make(ed25519.PublicKey, ed25519.PublicKeySize)
	keysJSON, _ := json.Marshal([]registry.HexBytes{registry.HexBytes(key)})
	for _, a := range []struct{ param, value string }{
		{"allow_sim_tee", `true`},
		{"Allow_Sim_TEE", `true`},
		{"sim_attestation_keys", string(keysJSON)},
		{"SIM_ATTESTATION_KEYS", string(keysJSON)},
		{"measurements", `[]`},
		{"Measurements", `[{"tee":"sim","value":"ff"}]`},
	} {
		// bob: a refused transaction does not use up its nonce, which
		// apptest's counter does not know.
		res := c.Deliver(bob, &dao.MsgPropose{Title: "sim", Deposit: pha.Whole(10),
			Action: dao.Action{Kind: dao.KindSetParam, Module: registry.Name, Param: a.param, Value: json.RawMessage(a.value)}})
		apptest.ExpectCode(t, res, dao.Codespace, 6)
		if !strings.Contains(res.Log, "fixed at genesis") {
			t.Fatalf("%s refused with %q", a.param, res.Log)
		}
	}
	var ps []dao.Proposal
	c.Query("/dao/proposals", &ps)
	if len(ps) != 0 {
		t.Fatalf("%d proposals recorded", len(ps))
	}
	// A governed param still moves.
	p := run(t, c, dao.Action{Kind: dao.KindSetParam, Module: registry.Name, Param: "sevsnp_min_tcb", Value: json.RawMessage(`{"bl_spl":3,"tee_spl":0,"snp_spl":8,"ucode_spl":115}`)}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("sevsnp_min_tcb: %+v", p)
	}
}

// TestRemoveMeasurementRetires: the enacting block retires the worker that
// runs the removed build, with an event naming the reason, and the worker
// cannot register again, even attesting a build still allowed.
func TestRemoveMeasurementRetires(t *testing.T) {
	g := apptest.SimRegistry()
	newer := sim.Measure("newer build")
	g.Params.Measurements = append(g.Params.Measurements, registry.Measurement{TEE: tee.KindSim, Value: newer[:]})
	c := newChain(t, g, keys.Genesis{})
	id := c.RegisterSimWorker(t, carol)
	p := run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("remove: %+v", p)
	}
	var w registry.Worker
	c.Query("/registry/worker/"+registry.WorkerID(id.Public().(ed25519.PublicKey)).String(), &w)
	if w.Retired == nil || w.Retired.Height != p.EnactHeight || !strings.Contains(w.Retired.Reason, "measurement removed") {
		t.Fatalf("worker %+v", w)
	}
	res := c.Deliver(carol, c.SimRegistration(t, carol, "newer build", id))
	apptest.ExpectCode(t, res, registry.Codespace, 16)
}

// TestRetiredWorkerMessagesRefused: once its measurement is removed, a
// retired worker's signed messages are refused by the message queue itself
// (mq/9), whatever their topic, and its sequence slot stays unused; before
// its retirement the same kind of message was accepted. The design has no
// signing height in a message, so nothing the retired enclave signed is
// kept: its build is no longer trusted.
func TestRetiredWorkerMessagesRefused(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	key := c.RegisterSimWorker(t, carol)
	id := registry.WorkerID(key.Public().(ed25519.PublicKey))
	score := func(n uint64) []byte { w := wire.NewWriter(8); w.Uvarint(n); return w.Bytes() }
	mustOK(t, c.PostMQ(carol, key, registry.TopicBenchmark, score(100)))
	p := run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("remove: %+v", p)
	}
	res := c.PostMQ(carol, key, registry.TopicBenchmark, score(999))
	apptest.ExpectCode(t, res, mq.Codespace, mq.ErrRetiredOrigin.Code)
	if !strings.Contains(res.Log, "retired at height") {
		t.Fatalf("refusal %q does not name the retirement", res.Log)
	}
	var w registry.Worker
	c.Query("/registry/worker/"+id.String(), &w)
	if w.BenchmarkScore != 100 {
		t.Fatalf("the retired worker's benchmark moved to %d", w.BenchmarkScore)
	}
	var seq mq.SequenceResponse
	c.Query(mq.SequencePath(mq.Origin{Kind: mq.OriginWorker, ID: id}), &seq)
	if seq.Next != 1 {
		t.Fatalf("the retired worker's next sequence is %d, want 1 (its refused message used no slot)", seq.Next)
	}
}

// TestRetiredWorkerStopsComputing: a computing worker whose measurement
// is removed stops earning in the enacting block (its session cools down,
// its stake goes back to the pool after it) and cannot start again.
func TestRetiredWorkerStopsComputing(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	id := registry.WorkerID(c.RegisterSimWorker(t, carol).Public().(ed25519.PublicKey))
	mustOK(t, c.Deliver(carol, &stakepool.MsgCreate{CommissionBps: 0}))
	mustOK(t, c.Deliver(carol, &stakepool.MsgAddWorker{Pool: 1, Worker: id}))
	mustOK(t, c.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(12_000)})) // alice votes with it
	start := &stakepool.MsgStartComputing{Pool: 1, Worker: id, Stake: pha.Whole(5_000)}
	mustOK(t, c.Deliver(carol, start))
	p := run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("remove: %+v", p)
	}
	var s computation.SessionView
	c.Query(computation.SessionPath(id), &s)
	if s.State != computation.StateCoolingDown || s.Online || s.VHeight != p.EnactHeight {
		t.Fatalf("retired worker's session %+v, want cooling down since %d", s.Session, p.EnactHeight)
	}
	res := c.Deliver(carol, start)
	apptest.ExpectCode(t, res, registry.Codespace, registry.ErrRetired.Code)
}

// tdxCollateral is Intel's recorded collateral, current at tdxtest.Current.
func tdxCollateral() *tee.TDXCollateral {
	c := tdxtest.Collateral()
	return &c
}

// TestSetTDXCollateral: collateral that is not Intel's (a TCB level's
// status edited) or no longer current is refused when proposed; Intel's
// current collateral is enacted.
func TestSetTDXCollateral(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	propose := func(col *tee.TDXCollateral) (string, uint32) {
		res := c.Deliver(bob, &dao.MsgPropose{Title: "tcb", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: col}})
		return res.Log, res.Code
	}
	forged := tdxCollateral()
	forged.TCBInfo = strings.Replace(forged.TCBInfo, `"OutOfDate"`, `"UpToDate"`, 1)
	c.Time = tdxtest.Current
	if log, code := propose(forged); code != 6 || !strings.Contains(log, "not signed by Intel") {
		t.Fatalf("forged collateral: %d %q", code, log)
	}
	c.Time = time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC)
	if log, code := propose(tdxCollateral()); code != 6 || !strings.Contains(log, "expired") {
		t.Fatalf("expired collateral: %d %q", code, log)
	}
	c.Time = tdxtest.Current
	p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: tdxCollateral()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("intel's collateral: %+v", p)
	}
	var got tee.TDXCollateral
	if res := c.Query(registry.TDXCollateralPath(tdxtest.FMSPC), &got); res.Code != 0 || !reflect.DeepEqual(got, tdxCollateral().TCB()) {
		t.Fatalf("stored collateral: %s", res.Log)
	}
	for _, crl := range tdxCollateral().CRLs {
		ck, err := tee.CheckTDXCRL(crl, tee.TestRoots{}, tdxtest.Current)
		if err != nil {
			t.Fatal(err)
		}
		var stored tee.TDXCRL
		if res := c.Query(registry.TDXCRLPath(ck.Issuer), &stored); res.Code != 0 || !bytes.Equal(stored.CRL, crl.CRL) {
			t.Fatalf("stored CRL of %s: %s", ck.Issuer, res.Log)
		}
	}
	// An operator on a genuine but unpatched TDX machine: every signature
	// of its quote checks, its platform TCB is below every level Intel
	// lists. The registration is refused naming the TCB check.
	res := registerTDX(t, c, testdata.RawQuote)
	apptest.ExpectCode(t, res, registry.Codespace, 3)
	if !strings.Contains(res.Log, "TCB out of date") {
		t.Fatalf("unpatched TDX platform refused with %q", res.Log)
	}
}

// TestRedTeamUnsignedTCBKey: Intel's current TCB info for the recorded
// (out-of-date) platform, with an unsigned "TcbInfo" key added beside the
// signed "tcbInfo". The signature covers "tcbInfo" alone, but Go's JSON
// decoder matches keys case-insensitively, so the added key's TCB levels
// (one UpToDate level every platform meets) would be what the TCB status
// is read from. It is refused when proposed, naming the check, and the
// platform stays out of date.
func TestRedTeamUnsignedTCBKey(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	c.Time = tdxtest.Current
	forged := tdxtest.UnsignedUpToDate(tdxtest.Collateral())
	res := c.Deliver(bob, &dao.MsgPropose{Title: "tcb", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: &forged}})
	if res.Code == 0 {
		// Show what it bought: the out-of-date platform's registration.
		run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: &forged}, dao.VoteYes, 0)
		t.Fatalf("collateral with an unsigned TcbInfo key accepted; the out-of-date platform's registration then gives %q", registerTDX(t, c, testdata.RawQuote).Log)
	}
	apptest.ExpectCode(t, res, dao.Codespace, 6)
	if !strings.Contains(res.Log, `tcb info: body has key "TcbInfo", want only "tcbInfo" and "signature"`) {
		t.Fatalf("unsigned TcbInfo key refused with %q", res.Log)
	}
}

// TestRedTeamTCBRollback: the chain holds the TCB info and QE identity of
// Intel's TCB evaluation 17. A proposer re-installs evaluation 16, which
// Intel still signs on request with a fresh issue date and which lists as
// UpToDate TCB levels evaluation 17 downgraded: the platforms Intel
// downgraded would register again. It is refused when proposed, and so is
// an older copy of evaluation 17 and an old QE identity beside a current
// TCB info; a proposal made before the newer collateral was enacted fails
// when enacted; a genesis listing a platform's collateral newest first
// does not start.
func TestRedTeamTCBRollback(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }
	tcb := func(eval, issued int) *tee.TDXCollateral {
		c, err := teefake.TDXTCBCollateral(teefake.TCBOptions{Evaluation: eval, Issued: day(issued)})
		if err != nil {
			t.Fatal(err)
		}
		return &c
	}
	c := newChain(t, apptest.FakeTDXRegistry(t, teefake.CRLOptions{ThisUpdate: day(1)}), keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	// Both proposed while the chain holds no TCB info; the newer passes
	// first, so the older no longer applies when its turn comes.
	var ids []uint64
	for _, col := range []*tee.TDXCollateral{tcb(17, 20), tcb(16, 21)} {
		mustOK(t, c.Deliver(alice, &dao.MsgPropose{Title: "tcb", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: col}}))
		ids = append(ids, lastProposal(t, c))
		mustOK(t, c.Deliver(alice, &dao.MsgVote{Proposal: ids[len(ids)-1], Option: dao.VoteYes}))
	}
	for range 20 {
		if p := proposal(t, c, ids[1]); p.Status != dao.StatusVoting && p.Status != dao.StatusPassed {
			break
		}
		c.Block()
	}
	if p := proposal(t, c, ids[0]); p.Status != dao.StatusEnacted {
		t.Fatalf("evaluation 17: %+v", p)
	}
	if p := proposal(t, c, ids[1]); p.Status != dao.StatusFailed || !strings.Contains(p.Error, "tcb info of TCB evaluation 16, below the 17 the chain holds") {
		t.Fatalf("evaluation 16 enacted after 17: %s %q", p.Status, p.Error)
	}
	older := tcb(17, 10)
	mixed := tcb(17, 21)
	mixed.QEIdentity, mixed.QEIdentityIssuerChain = tcb(16, 21).QEIdentity, tcb(16, 21).QEIdentityIssuerChain
	for _, tc := range []struct {
		name string
		col  *tee.TDXCollateral
		want string
	}{
		{"evaluation 16", tcb(16, 21), "tcb info of TCB evaluation 16, below the 17 the chain holds"},
		{"older copy of 17", older, "tcb info issued 2026-11-10T00:00:00Z, before the one the chain holds (issued 2026-11-20T00:00:00Z)"},
		{"old QE identity", mixed, "qe identity of TCB evaluation 16, below the 17 the chain holds"},
	} {
		res := c.Deliver(bob, &dao.MsgPropose{Title: "tcb", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: tc.col}})
		apptest.ExpectCode(t, res, dao.Codespace, 6)
		if !strings.Contains(res.Log, tc.want) {
			t.Fatalf("%s refused with %q", tc.name, res.Log)
		}
	}
	if p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: tcb(18, 22)}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("evaluation 18: %+v", p)
	}
	g := apptest.FakeTDXRegistry(t, teefake.CRLOptions{ThisUpdate: day(1)})
	g.TDXCollateral = append(g.TDXCollateral, *tcb(17, 20), *tcb(16, 21))
	if _, err := apptest.Start(t, []apptest.Account{alice}, map[string]any{registry.Name: g}); err == nil || !strings.Contains(err.Error(), "tdx_collateral[2]") ||
		!strings.Contains(err.Error(), "below the 17 the chain holds") {
		t.Fatalf("genesis listing evaluation 16 after 17: %v", err)
	}
}

// TestRedTeamQEIdentityRollbackNewPlatform: the QE identity is one
// document for every platform, though the chain keeps a copy beside each
// platform's TCB info. With evaluation 17's held for one platform, a
// proposer adds a second platform with a current TCB info and evaluation
// 16's QE identity (which may accept a QE Intel has since downgraded): it
// is refused when proposed, though the chain holds nothing for that
// platform yet.
func TestRedTeamQEIdentityRollbackNewPlatform(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }
	tcb := func(eval, issued int, fmspc string) *tee.TDXCollateral {
		c, err := teefake.TDXTCBCollateral(teefake.TCBOptions{Evaluation: eval, Issued: day(issued), FMSPC: fmspc})
		if err != nil {
			t.Fatal(err)
		}
		return &c
	}
	c := newChain(t, apptest.FakeTDXRegistry(t, teefake.CRLOptions{ThisUpdate: day(1)}), keys.Genesis{})
	if p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: tcb(17, 20, "")}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("evaluation 17: %+v", p)
	}
	other := tcb(17, 21, "00906ed50000")
	old := tcb(16, 21, "")
	other.QEIdentity, other.QEIdentityIssuerChain = old.QEIdentity, old.QEIdentityIssuerChain
	res := c.Deliver(bob, &dao.MsgPropose{Title: "tcb", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: other}})
	apptest.ExpectCode(t, res, dao.Codespace, 6)
	if !strings.Contains(res.Log, "qe identity of TCB evaluation 16, below the 17 the chain holds") {
		t.Fatalf("old QE identity for a new platform refused with %q", res.Log)
	}
	if p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: tcb(17, 21, "00906ed50000")}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("second platform with evaluation 17: %+v", p)
	}
}

// TestSetTDXCRL: Intel revokes a platform's PCK certificate and the DAO
// installs the new CRL: the platform's workers can no longer register. A
// CRL no trusted root vouches for, and the older CRL that did not list
// the PCK yet (which would un-revoke it), are refused when proposed.
func TestSetTDXCRL(t *testing.T) {
	testSetCRL(t, tee.KindTDX, teefake.CRLOptions{RevokePCK: true})
}

// TestSetSEVSNPCRL: AMD revokes a product line's ASK and the DAO installs
// the ARK's new CRL: the platforms it certified can no longer register. A
// CRL the ARK did not sign (a self-signed "ARK-Milan" of another key), the
// older CRL, and a newer list of the ARK that does not list the ASK (as
// AMD's VLEK list would not) are refused when proposed.
func TestSetSEVSNPCRL(t *testing.T) {
	testSetCRL(t, tee.KindSEVSNP, teefake.CRLOptions{RevokeASK: true})
}

// testSetCRL installs, by proposal, a CRL of kind's fake chain that
// revokes as revoke says.
func testSetCRL(t *testing.T, kind tee.Kind, revoke teefake.CRLOptions) {
	day := func(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }
	fakeRegistry, collateral, registration := apptest.FakeTDXRegistry, teefake.TDXCollateral, (*apptest.Chain).FakeTDXRegistration
	foreign := foreignCRL(t, "Intel SGX PCK Platform CA", day(15))
	if kind == tee.KindSEVSNP {
		fakeRegistry, collateral, registration = apptest.FakeSEVSNPRegistry, teefake.SEVSNPCollateral, (*apptest.Chain).FakeSEVSNPRegistration
		foreign = foreignCRL(t, "ARK-Milan", day(15))
		foreign.CRLs[0].IssuerChain = "" // as AMD serves its CRLs
	}
	c := newChain(t, fakeRegistry(t, teefake.CRLOptions{ThisUpdate: day(1)}), keys.Genesis{})
	mustOK(t, c.Deliver(carol, registration(c, t, carol)))
	propose := func(col tee.TDXCollateral) string {
		res := c.Deliver(bob, &dao.MsgPropose{Title: "crl", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: &col}})
		apptest.ExpectCode(t, res, dao.Codespace, 6)
		return res.Log
	}
	if log := propose(foreign); !strings.Contains(log, "crls[0]: tee: attestation does not chain to the vendor root of trust") {
		t.Fatalf("CRL of an untrusted CA refused with %q", log)
	}
	revoke.ThisUpdate = day(15)
	revoked, err := collateral(revoke)
	if err != nil {
		t.Fatal(err)
	}
	if p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: &revoked}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("revoking CRL: %+v", p)
	}
	res := c.Deliver(carol, registration(c, t, carol))
	apptest.ExpectCode(t, res, registry.Codespace, registry.ErrBadAttestation.Code)
	if !strings.Contains(res.Log, "certificate revoked: "+string(kind)) {
		t.Fatalf("revoked platform refused with %q", res.Log)
	}
	old, err := collateral(teefake.CRLOptions{ThisUpdate: day(1)})
	if err != nil {
		t.Fatal(err)
	}
	if log := propose(old); !strings.Contains(log, "before the CRL the chain holds") {
		t.Fatalf("older CRL refused with %q", log)
	}
	if kind == tee.KindSEVSNP {
		// AMD's VLEK list, newer and signed by the same ARK, lists ASVKs,
		// not the ASK: it may not take the VCEK list's place.
		other, err := collateral(teefake.CRLOptions{ThisUpdate: day(20)})
		if err != nil {
			t.Fatal(err)
		}
		if log := propose(other); !strings.Contains(log, `crl of "ARK-Milan" does not list "SEV-Milan" serial 3235823838, which the CRL the chain holds revokes`) {
			t.Fatalf("newer CRL without the revoked ASK refused with %q", log)
		}
	}
}

// foreignCRL is a CRL as PCS would serve it, with its issuer chain, but
// from a CA (named cn) and root of its own: no trusted root vouches for it.
func foreignCRL(t *testing.T, cn string, issued time.Time) tee.TDXCollateral {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: issued.AddDate(-1, 0, 0), NotAfter: issued.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: issued, NextUpdate: issued.AddDate(0, 1, 0)}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tee.TDXCollateral{CRLs: []tee.TDXCRL{{CRL: crl, IssuerChain: string(chain)}}}
}

// registerTDX sends carol's registration of a fresh worker with a TDX
// quote (trimmed of go-tdx-guest's unsigned test trailer).
func registerTDX(t *testing.T, c *apptest.Chain, quote []byte) *abci.ExecTxResult {
	t.Helper()
	q, err := tee.TrimTDXQuote(quote)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := ed25519.GenerateKey(rand.Reader)
	ek, _ := ecdh.X25519().GenerateKey(rand.Reader)
	info := registry.WorkerInfo{
		Version: registry.WorkerInfoVersion, IdentityKey: id, ECDHKey: ek.PublicKey().Bytes(),
		ChainID: apptest.ChainID, GenesisHash: c.GenesisHash(), Operator: carol.Addr,
		BenchmarkScore: 100, AttestedHeight: c.Height, AttestedBlockHash: apptest.BlockHash(c.Height),
	}
	return c.Deliver(carol, &registry.MsgRegisterWorker{Info: info, Attestation: tee.Attestation{Kind: tee.KindTDX, Evidence: q}})
}

// TestRetireLastGatekeeperRefused: retiring the build every gatekeeper
// runs would leave nobody holding the master key; the proposal is refused
// when proposed, naming why, and nothing is retired.
func TestRetireLastGatekeeperRefused(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{GatekeeperOperators: []address.Address{carol.Addr}})
	id := c.RegisterSimWorker(t, carol)
	if st := keysState(t, c); len(st.Gatekeepers) != 1 {
		t.Fatalf("gatekeepers %+v", st.Gatekeepers)
	}
	res := c.Deliver(bob, &dao.MsgPropose{Title: "rm", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}})
	apptest.ExpectCode(t, res, dao.Codespace, 6)
	if !strings.Contains(res.Log, "last gatekeeper") || !strings.Contains(res.Log, "retire worker") {
		t.Fatalf("refused with %q", res.Log)
	}
	var w registry.Worker
	c.Query("/registry/worker/"+registry.WorkerID(id.Public().(ed25519.PublicKey)).String(), &w)
	if w.Retired != nil {
		t.Fatalf("worker retired by a refused proposal: %+v", w.Retired)
	}
}

// TestRetiredGatekeeperRemoved: a gatekeeper whose build is removed stops
// being a gatekeeper in the enacting block and cannot be appointed again;
// the gatekeeper of the other build stays.
func TestRetiredGatekeeperRemoved(t *testing.T) {
	g := apptest.SimRegistry()
	old := sim.Measure("old build")
	g.Params.Measurements = append(g.Params.Measurements, registry.Measurement{TEE: tee.KindSim, Value: old[:]})
	c := newChain(t, g, keys.Genesis{GatekeeperOperators: []address.Address{carol.Addr, bob.Addr}})
	good := c.RegisterSimWorker(t, carol)
	bad := c.RegisterSimWorkerRunning(t, bob, "old build")
	if st := keysState(t, c); len(st.Gatekeepers) != 2 {
		t.Fatalf("gatekeepers %+v", st.Gatekeepers)
	}
	p := run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: &registry.Measurement{TEE: tee.KindSim, Value: old[:]}}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("remove: %+v", p)
	}
	st := keysState(t, c)
	if len(st.Gatekeepers) != 1 || string(st.Gatekeepers[0].Worker) != string(good.Public().(ed25519.PublicKey)) {
		t.Fatalf("gatekeepers after retirement %+v", st.Gatekeepers)
	}
	res := c.Deliver(alice, &dao.MsgPropose{Title: "gk", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindAddGatekeeper, Worker: registry.HexBytes(bad.Public().(ed25519.PublicKey))}})
	apptest.ExpectCode(t, res, dao.Codespace, 6)
	if !strings.Contains(res.Log, "retired") {
		t.Fatalf("appointing the retired worker refused with %q", res.Log)
	}
}

// TestRevokingCRLRetires is the attack on a platform that registered
// before its vendor revoked it: an operator's TDX machine (its PCK
// certificate) or SEV-SNP product line (its ASK) registers while its
// certificate is good, then Intel or AMD revokes it (a leaked key, a
// broken CPU) and the DAO installs the new CRL. The enacting block must
// retire the worker, naming the certificate, or it would keep its keys
// and be given new ones at every rotation; a CRL that revokes nothing of
// the worker's leaves it active.
func TestRevokingCRLRetires(t *testing.T) {
	for _, kind := range []tee.Kind{tee.KindTDX, tee.KindSEVSNP} {
		t.Run(string(kind), func(t *testing.T) {
			fake, collateral, register := apptest.FakeTDXRegistry, teefake.TDXCollateral, (*apptest.Chain).FakeTDXRegistration
			revoke, want := teefake.CRLOptions{RevokePCK: true}, `certificate revoked: tdx: PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`
			if kind == tee.KindSEVSNP {
				fake, collateral, register = apptest.FakeSEVSNPRegistry, teefake.SEVSNPCollateral, (*apptest.Chain).FakeSEVSNPRegistration
				revoke, want = teefake.CRLOptions{RevokeASK: true}, `certificate revoked: sev-snp: ASK "SEV-Milan" serial 3235823838 revoked`
			}
			c := newChain(t, fake(t, teefake.CRLOptions{}), keys.Genesis{})
			msg := register(c, t, carol)
			mustOK(t, c.Deliver(carol, msg))
			id := msg.Info.ID()
			worker := func() registry.Worker {
				var w registry.Worker
				c.Query("/registry/worker/"+id.String(), &w)
				return w
			}
			revoke.ThisUpdate = c.Time.Add(-time.Minute).UTC().Truncate(time.Second)
			for i, o := range []teefake.CRLOptions{{ThisUpdate: revoke.ThisUpdate}, revoke} {
				crls, err := collateral(o)
				if err != nil {
					t.Fatal(err)
				}
				p := run(t, c, dao.Action{Kind: dao.KindSetTDXCollateral, TDXCollateral: &crls}, dao.VoteYes, 0)
				if p.Status != dao.StatusEnacted {
					t.Fatalf("crl %d: %+v", i, p)
				}
				w := worker()
				if i == 0 {
					if w.Retired != nil {
						t.Fatalf("a CRL that revokes nothing retired the worker: %+v", w.Retired)
					}
					continue
				}
				if w.Retired == nil || w.Retired.Height != p.EnactHeight || !strings.Contains(w.Retired.Reason, want) {
					t.Fatalf("worker on a revoked platform after the CRL: %+v, want retired at %d naming %q", w.Retired, p.EnactHeight, want)
				}
			}
		})
	}
}
