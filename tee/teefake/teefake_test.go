package teefake_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

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
			v, err := tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots})
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
