package tee_test

import (
	"testing"

	"github.com/phalanetwork/phala/tee"
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

func BenchmarkVerifyTDX(b *testing.B) {
	a := tee.Attestation{Kind: tee.KindTDX, Evidence: tdxQuote(b)}
	for b.Loop() {
		if _, err := tee.Verify(a, tee.VerifyOptions{Now: tdxTime()}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySEVSNP(b *testing.B) {
	a := tee.Attestation{Kind: tee.KindSEVSNP, Evidence: sevEvidence(b)}
	for b.Loop() {
		if _, err := tee.Verify(a, tee.VerifyOptions{Now: sevTime(), AllowDebug: true}); err != nil {
			b.Fatal(err)
		}
	}
}
