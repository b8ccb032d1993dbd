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
	crls, err := teefake.TDXCollateral(teefake.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
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
			v, err := tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: tee.TDXCRLs([]tee.TDXCollateral{crls}, roots, now)})
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
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	p, err := teefake.Provider(tee.KindTDX, teefake.Options{Code: "crl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := tee.Attest(p, [tee.ReportDataSize]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	verify := func(o teefake.CRLOptions, trusted tee.TestRoots) error {
		c, err := teefake.TDXCollateral(o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: tee.TDXCRLs([]tee.TDXCollateral{c}, trusted, now)})
		return err
	}
	if err := verify(teefake.CRLOptions{}, roots); err != nil {
		t.Fatalf("unrevoked PCK: %v", err)
	}
	for _, tc := range []struct {
		name    string
		o       teefake.CRLOptions
		trusted tee.TestRoots
		want    error
		msg     string
	}{
		{"revoked", teefake.CRLOptions{RevokePCK: true}, roots, tee.ErrRevoked, `PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`},
		{"expired", teefake.CRLOptions{NextUpdate: now.Add(-time.Second)}, roots, tee.ErrTCBCollateral, "holds no CRL"},
		{"lists under an untrusted root", teefake.CRLOptions{}, tee.TestRoots{}, tee.ErrTCBCollateral, "holds no CRL"},
	} {
		err := verify(tc.o, tc.trusted)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, tc.want, tc.msg)
		}
	}
	c, err := teefake.TDXCollateral(teefake.CRLOptions{NextUpdate: now.Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: func(string) *tee.TDXCRL { return &c.CRLs[0] }})
	if !errors.Is(err, tee.ErrTCBCollateral) || !strings.Contains(err.Error(), "current 2020-01-01T00:00:00Z to 2026-05-31T23:59:59Z") {
		t.Errorf("expired CRL served anyway: %v", err)
	}
}

// BenchmarkVerifyFakeTDX verifies a fake TDX quote as the chain does,
// PCK chain, quote signatures and both CRLs (the TCB status is not
// checked under a test root).
func BenchmarkVerifyFakeTDX(b *testing.B) {
	roots, err := teefake.Roots()
	if err != nil {
		b.Fatal(err)
	}
	crls, err := teefake.TDXCollateral(teefake.CRLOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := teefake.Provider(tee.KindTDX, teefake.Options{Code: "bench"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	a, err := tee.Attest(p, [tee.ReportDataSize]byte{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// Looked up by issuer as the chain does from state, not re-checked.
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
