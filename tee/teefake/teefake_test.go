package teefake_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tdxdata "github.com/google/go-tdx-guest/testing/testdata"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestFakeEvidenceNeedsTestRoots checks that the fakes' evidence verifies
// with the chain's verifier only when the test roots are trusted, and
// that it carries the requested report data, measurement and config.
func TestFakeEvidenceNeedsTestRoots(t *testing.T) {
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	intel, err := teefake.TDXCollateral(teefake.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	amd, err := teefake.SEVSNPCollateral(teefake.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crls := []tee.TDXCollateral{intel, amd}
	o := teefake.Options{Code: "phala-pruntime/test", Config: [32]byte{1, 2, 3}}
	for _, kind := range []tee.Kind{tee.KindTDX, tee.KindSEVSNP} {
		t.Run(string(kind), func(t *testing.T) {
			p, err := teefake.Provider(kind, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			rd := [tee.ReportDataSize]byte{9, 8, 7}
			a, err := tee.Attest(p, rd)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			if _, err := tee.Verify(a, tee.VerifyOptions{Now: now}); !errors.Is(err, tee.ErrUntrustedChain) {
				t.Fatalf("fake evidence without test roots: %v, want %v", err, tee.ErrUntrustedChain)
			}
			v, err := tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: tee.TDXCRLs(crls, roots, now)})
			if err != nil {
				t.Fatalf("fake evidence with the test roots: %v", err)
			}
			want, _ := teefake.MeasurementOf(kind, o.Code)
			if v.ReportData != rd || !bytes.Equal(v.Measurement, want) {
				t.Fatalf("verified %x / %x, want %x / %x", v.ReportData[:4], v.Measurement, rd[:4], want)
			}
			m, err := p.Measurement()
			if err != nil || !bytes.Equal(m, want) {
				t.Fatalf("provider measurement %x, %v", m, err)
			}
		})
	}
}

// TestFakeSEVSNPSealingKeyIsStable checks the fake derived key: the same
// code gets the same key in another process, other code another key.
func TestFakeSEVSNPSealingKeyIsStable(t *testing.T) {
	key := func(code string) []byte {
		p, err := teefake.Provider(tee.KindSEVSNP, teefake.Options{Code: code}, nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err := p.SealingKey()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if a, b := key("a"), key("a"); !bytes.Equal(a, b) {
		t.Fatal("same code, different sealing keys")
	}
	if bytes.Equal(key("a"), key("b")) {
		t.Fatal("other code got the same sealing key")
	}
}

// TestFakeTDXRevocation: a fake TDX quote is checked against the CRLs of
// the fake chain like a real one: accepted with current lists that revoke
// nothing, refused naming the check when its PCK is revoked, when the
// lists are missing or expired, and the lists themselves are refused
// unless the test root is trusted.
func TestFakeTDXRevocation(t *testing.T) {
	testFakeRevocation(t, tee.KindTDX, teefake.TDXCollateral, teefake.CRLOptions{RevokePCK: true},
		`PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`, "current 2020-01-01T00:00:00Z to 2026-05-31T23:59:59Z")
}

// TestFakeSEVSNPRevocation: a fake SEV-SNP report is checked against the
// fake ARK's CRL as TestFakeTDXRevocation says, its ASK in place of the
// PCK.
func TestFakeSEVSNPRevocation(t *testing.T) {
	testFakeRevocation(t, tee.KindSEVSNP, teefake.SEVSNPCollateral, teefake.CRLOptions{RevokeASK: true},
		`sev-snp: ASK "SEV-Milan" serial 3235823838 revoked at 2024-01-01T00:00:00Z by "ARK-Milan"'s CRL`, "current 2024-01-01T00:00:00Z to 2026-05-31T23:59:59Z")
}

// testFakeRevocation verifies kind's fake evidence against the CRLs
// collateral makes: revoke lists it (refused naming revokedMsg), an
// expired list served anyway is refused naming expiredMsg.
func testFakeRevocation(t *testing.T, kind tee.Kind, collateral func(teefake.CRLOptions) (tee.TDXCollateral, error), revoke teefake.CRLOptions, revokedMsg, expiredMsg string) {
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	p, err := teefake.Provider(kind, teefake.Options{Code: "crl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := tee.Attest(p, [tee.ReportDataSize]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	verify := func(o teefake.CRLOptions, trusted tee.TestRoots) error {
		c, err := collateral(o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: tee.TDXCRLs([]tee.TDXCollateral{c}, trusted, now)})
		return err
	}
	if err := verify(teefake.CRLOptions{}, roots); err != nil {
		t.Fatalf("unrevoked chain: %v", err)
	}
	for _, tc := range []struct {
		name    string
		o       teefake.CRLOptions
		trusted tee.TestRoots
		want    error
		msg     string
	}{
		{"revoked", revoke, roots, tee.ErrRevoked, revokedMsg},
		{"expired", teefake.CRLOptions{NextUpdate: now.Add(-time.Second)}, roots, tee.ErrTCBCollateral, "holds no CRL"},
		{"lists under an untrusted root", teefake.CRLOptions{}, tee.TestRoots{}, tee.ErrTCBCollateral, "holds no CRL"},
	} {
		err := verify(tc.o, tc.trusted)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, tc.want, tc.msg)
		}
	}
	c, err := collateral(teefake.CRLOptions{NextUpdate: now.Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: func(string) *tee.TDXCRL { return &c.CRLs[0] }})
	if !errors.Is(err, tee.ErrTCBCollateral) || !strings.Contains(err.Error(), expiredMsg) {
		t.Errorf("expired CRL served anyway: %v", err)
	}
}

// BenchmarkVerifyFakeTDX verifies a fake TDX quote as the chain does,
// PCK chain, quote signatures and both CRLs (the TCB status is not
// checked under a test root).
func BenchmarkVerifyFakeTDX(b *testing.B) {
	benchVerifyFake(b, tee.KindTDX, teefake.TDXCollateral)
}

// BenchmarkVerifyFakeSEVSNP verifies a fake SEV-SNP report as the chain
// does: VCEK chain, report signature, policy and the ARK's CRL.
func BenchmarkVerifyFakeSEVSNP(b *testing.B) {
	benchVerifyFake(b, tee.KindSEVSNP, teefake.SEVSNPCollateral)
}

// benchVerifyFake verifies kind's fake evidence against the CRLs
// collateral makes, looked up by issuer as the chain does from state, not
// re-checked.
func benchVerifyFake(b *testing.B, kind tee.Kind, collateral func(teefake.CRLOptions) (tee.TDXCollateral, error)) {
	roots, err := teefake.Roots()
	if err != nil {
		b.Fatal(err)
	}
	crls, err := collateral(teefake.CRLOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := teefake.Provider(kind, teefake.Options{Code: "bench"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	a, err := tee.Attest(p, [tee.ReportDataSize]byte{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	byIssuer := map[string]*tee.TDXCRL{}
	for i, c := range crls.CRLs {
		ck, err := tee.CheckTDXCRL(c, roots, now)
		if err != nil {
			b.Fatal(err)
		}
		byIssuer[ck.Issuer] = &crls.CRLs[i]
	}
	o := tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: func(issuer string) *tee.TDXCRL { return byIssuer[issuer] }}
	for b.Loop() {
		if _, err := tee.Verify(a, o); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFakeTCBCollateral: the fake TCB info and QE identity are accepted
// only where the test roots are trusted, carry the evaluation and dates
// asked for, and never judge a quote under Intel's own chain.
func TestFakeTCBCollateral(t *testing.T) {
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c, err := teefake.TDXTCBCollateral(teefake.TCBOptions{Evaluation: 17, Issued: issued})
	if err != nil {
		t.Fatal(err)
	}
	now := issued.AddDate(0, 0, 1)
	if _, err := tee.CheckTDXCollateral(c, tee.TestRoots{}, now); !errors.Is(err, tee.ErrUntrustedChain) {
		t.Fatalf("fake TCB info without test roots: %v, want %v", err, tee.ErrUntrustedChain)
	}
	ck, err := tee.CheckTDXCollateral(c, roots, now)
	want := tee.CheckedTDXCollateral{FMSPC: "50806f000000", TCBInfo: tee.TCBIssue{Evaluation: 17, Issued: issued}, QEIdentity: tee.TCBIssue{Evaluation: 17, Issued: issued}}
	if err != nil || ck != want {
		t.Fatalf("fake TCB collateral: %+v, %v", ck, err)
	}
	if _, err := tee.CheckTDXCollateral(c, roots, issued.AddDate(0, 0, 31)); !errors.Is(err, tee.ErrTCBCollateral) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("fake TCB info past its next update: %v", err)
	}
	// A genuine quote of the same platform on a test network: the test
	// root's TCB info is not Intel's, so its status is never read.
	quote, err := tee.TrimTDXQuote(tdxdata.RawQuote)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tee.Verify(tee.Attestation{Kind: tee.KindTDX, Evidence: quote}, tee.VerifyOptions{Now: now, TestRoots: roots,
		TDXCollateral: func(string) *tee.TDXCollateral { return &c }})
	if !errors.Is(err, tee.ErrTCBCollateral) {
		t.Fatalf("genuine quote against fake TCB info: %v, want %v", err, tee.ErrTCBCollateral)
	}
}

// TestKeepsRevoked: a newer list of the fake ARK must still list the ASK
// the held one revokes; lists that revoke nothing, and the Intel chain's
// lists, replace each other freely.
func TestKeepsRevoked(t *testing.T) {
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	crl := func(collateral func(teefake.CRLOptions) (tee.TDXCollateral, error), o teefake.CRLOptions) (tee.TDXCRL, string) {
		c, err := collateral(o)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := tee.CheckTDXCRL(c.CRLs[len(c.CRLs)-1], roots, now)
		if err != nil {
			t.Fatal(err)
		}
		return c.CRLs[len(c.CRLs)-1], ck.Issuer
	}
	revoked, ark := crl(teefake.SEVSNPCollateral, teefake.CRLOptions{RevokeASK: true})
	clean, _ := crl(teefake.SEVSNPCollateral, teefake.CRLOptions{})
	if err := tee.KeepsRevoked(clean, revoked, ark, roots); !errors.Is(err, tee.ErrTCBCollateral) || !strings.Contains(err.Error(), `does not list "SEV-Milan"`) {
		t.Errorf("list dropping the revoked ASK: %v", err)
	}
	if err := tee.KeepsRevoked(revoked, revoked, ark, roots); err != nil {
		t.Errorf("list keeping it: %v", err)
	}
	if err := tee.KeepsRevoked(revoked, clean, ark, roots); err != nil {
		t.Errorf("list adding it: %v", err)
	}
	pckRevoked, ca := crl(teefake.TDXCollateral, teefake.CRLOptions{RevokePCK: true})
	pckClean, _ := crl(teefake.TDXCollateral, teefake.CRLOptions{})
	if err := tee.KeepsRevoked(pckClean, pckRevoked, ca, roots); err != nil {
		t.Errorf("Intel CA list: %v", err)
	}
}
