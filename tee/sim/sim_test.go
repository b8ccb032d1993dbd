package sim_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

func newProvider(t *testing.T, keySeed string, sealSeed byte, code string) *sim.Provider {
	t.Helper()
	priv, _, err := sim.DevAttestationKey(keySeed)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.New(sim.Config{AttestationKey: priv, SealingSeed: bytes.Repeat([]byte{sealSeed}, 32), Code: code})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeriveLabelInsecure(t *testing.T) {
	p := newProvider(t, "devnet", 1, "v1")
	if got := p.DeriveLabel("phala/identity"); got != "phala/identity-insecure" {
		t.Fatalf("DeriveLabel = %q", got)
	}
	if p.Kind() != tee.KindSim {
		t.Fatal(p.Kind())
	}
}

func TestSealingKey(t *testing.T) {
	k1, err := newProvider(t, "devnet", 1, "v1").SealingKey()
	if err != nil || len(k1) != tee.SealingKeySize {
		t.Fatalf("key %x, %v", k1, err)
	}
	// A restart with the same seed and code unseals.
	again, _ := newProvider(t, "devnet", 1, "v1").SealingKey()
	if !bytes.Equal(k1, again) {
		t.Fatal("same seed and code gave another key")
	}
	// The dev attestation key does not enter the sealing key.
	otherDev, _ := newProvider(t, "other", 1, "v1").SealingKey()
	if !bytes.Equal(k1, otherDev) {
		t.Fatal("sealing key depends on the attestation key")
	}
	otherSeed, _ := newProvider(t, "devnet", 2, "v1").SealingKey()
	otherCode, _ := newProvider(t, "devnet", 1, "v2").SealingKey()
	if bytes.Equal(k1, otherSeed) || bytes.Equal(k1, otherCode) {
		t.Fatal("sealing key ignores the seed or the measurement")
	}
}

func TestMeasurement(t *testing.T) {
	m, err := newProvider(t, "devnet", 1, "phala-worker v1.2.3").Measurement()
	want := sha256.Sum256([]byte("phala-worker v1.2.3"))
	if err != nil || !bytes.Equal(m, want[:]) {
		t.Fatalf("measurement %x, %v", m, err)
	}
	if sim.Measure("phala-worker v1.2.3") != want {
		t.Fatal("Measure disagrees")
	}
}

func TestWarning(t *testing.T) {
	w := newProvider(t, "devnet", 1, "v1").Warning()
	if !strings.Contains(w, "SIMULATED TEE: NO CONFIDENTIALITY") || strings.Count(w, "\n") < 5 {
		t.Fatalf("warning %q", w)
	}
}

func TestDevAttestationKey(t *testing.T) {
	a, pa, err := sim.DevAttestationKey("devnet")
	if err != nil {
		t.Fatal(err)
	}
	b, pb, _ := sim.DevAttestationKey("devnet")
	_, pc, _ := sim.DevAttestationKey("devnet2")
	if !a.Equal(b) || !pa.Equal(pb) || pa.Equal(pc) {
		t.Fatal("dev key is not a deterministic function of the seed")
	}
	if _, _, err := sim.DevAttestationKey(""); err == nil {
		t.Fatal("accepted an empty seed")
	}
	p := newProvider(t, "devnet", 1, "v1")
	if !p.PublicKey().Equal(pa) {
		t.Fatal("provider public key differs")
	}
}

func TestNewRejects(t *testing.T) {
	priv, _, _ := sim.DevAttestationKey("devnet")
	for name, cfg := range map[string]sim.Config{
		"short key":  {AttestationKey: priv[:10], SealingSeed: make([]byte, 32), Code: "v1"},
		"short seed": {AttestationKey: priv, SealingSeed: make([]byte, 31), Code: "v1"},
		"no code":    {AttestationKey: priv, SealingSeed: make([]byte, 32)},
	} {
		if _, err := sim.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestQuoteVerifiesOnChain(t *testing.T) {
	p := newProvider(t, "devnet", 1, "v1")
	rd := [tee.ReportDataSize]byte{0xaa}
	a, err := tee.Attest(p, rd)
	if err != nil {
		t.Fatal(err)
	}
	o := tee.VerifyOptions{Now: time.Unix(1, 0), AllowSim: true, SimKeys: []ed25519.PublicKey{p.PublicKey()}}
	v, err := tee.Verify(a, o)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := p.Measurement()
	if !bytes.Equal(v.Measurement, m) || v.ReportData != rd {
		t.Fatalf("verified %+v", v)
	}
}

var _ tee.Provider = (*sim.Provider)(nil)
