package tee_test

import (
	"errors"
	"testing"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/tdxtest"
)

func BenchmarkVerifySim(b *testing.B) {
	p, o := simSetup(b)
	a := tee.Attestation{Kind: tee.KindSim, Evidence: simQuote(b, p, [tee.ReportDataSize]byte{})}
	for b.Loop() {
		if _, err := tee.Verify(a, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyTDX verifies the recorded quote against Intel's recorded
// collateral for its platform: every signature, the PCK chain, the TCB
// info and QE identity, up to the TCB status check, which it fails (the
// platform is out of date), so the CRL check after it is not counted;
// teefake's BenchmarkVerifyFakeTDX counts that one.
func BenchmarkVerifyTDX(b *testing.B) {
	a := tee.Attestation{Kind: tee.KindTDX, Evidence: tdxQuote(b)}
	o := tee.VerifyOptions{Now: tdxtest.Current, TDXCollateral: tdxtest.Lookup, TDXCRL: tdxtest.CRL}
	for b.Loop() {
		if _, err := tee.Verify(a, o); !errors.Is(err, tee.ErrTCBOutOfDate) {
			b.Fatalf("want the TCB status check to fail, got %v", err)
		}
	}
}

// BenchmarkVerifySEVSNP runs every check of the recorded report up to
// revocation, the last, which fails: no CRL of AMD's ARK is recorded
// (teefake's BenchmarkVerifyFakeSEVSNP includes the CRL check).
func BenchmarkVerifySEVSNP(b *testing.B) {
	a := tee.Attestation{Kind: tee.KindSEVSNP, Evidence: sevEvidence(b)}
	for b.Loop() {
		if _, err := tee.Verify(a, tee.VerifyOptions{Now: sevTime(), AllowDebug: true}); !errors.Is(err, tee.ErrTCBCollateral) {
			b.Fatalf("want the revocation check to fail for want of a CRL, got %v", err)
		}
	}
}
