package tee_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

// simSetup returns a sim provider signing with the "devnet" dev key, and
// options that accept that key.
func simSetup(t testing.TB) (*sim.Provider, tee.VerifyOptions) {
	t.Helper()
	priv, pub, err := sim.DevAttestationKey("devnet")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.New(sim.Config{AttestationKey: priv, SealingSeed: bytes.Repeat([]byte{7}, 32), Code: "phala-worker v1.0.0", Genesis: simGenesis})
	if err != nil {
		t.Fatal(err)
	}
	return p, tee.VerifyOptions{Now: sevTime(), AllowSim: true, SimKeys: []ed25519.PublicKey{pub}}
}

// simGenesis is the genesis hash the test sim TEE is bound to.
var simGenesis = [tee.ConfigSize]byte{0x9e, 1, 2, 3}

func simQuote(t testing.TB, p *sim.Provider, rd [tee.ReportDataSize]byte) []byte {
	t.Helper()
	ev, err := p.Quote(rd)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestVerifySimGenuine(t *testing.T) {
	p, o := simSetup(t)
	rd := [tee.ReportDataSize]byte{1, 2, 3}
	a, err := tee.Attest(p, rd)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tee.Verify(a, o)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("phala-worker v1.0.0"))
	if v.Kind != tee.KindSim || !bytes.Equal(v.Measurement, want[:]) {
		t.Fatalf("verified %s %x, want sim %x", v.Kind, v.Measurement, want)
	}
	if v.Config != simGenesis {
		t.Fatalf("verified config %x, want the genesis the provider is bound to %x", v.Config, simGenesis)
	}
	c, err := tee.EvidenceClaims(a.Kind, a.Evidence)
	if err != nil || c.Config != simGenesis || c.ReportData != rd {
		t.Fatalf("claims %+v, %v", c, err)
	}
	if err := tee.CheckReportData(v, rd); err != nil {
		t.Fatal(err)
	}
	if err := tee.CheckMeasurement(v, [][]byte{want[:]}); err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte("phala-worker v0.9.0"))
	wantErr(t, tee.CheckMeasurement(v, [][]byte{other[:]}), tee.ErrMeasurementNotAllowed)
	m, err := p.Measurement()
	if err != nil || !bytes.Equal(m, v.Measurement) {
		t.Fatalf("provider measurement %x, %v; chain sees %x", m, err, v.Measurement)
	}
}

func TestVerifySimRejects(t *testing.T) {
	p, o := simSetup(t)
	ev := simQuote(t, p, [tee.ReportDataSize]byte{1})
	verify := func(ev []byte, o tee.VerifyOptions) error {
		_, err := tee.Verify(tee.Attestation{Kind: tee.KindSim, Evidence: ev}, o)
		return err
	}
	if err := verify(ev, o); err != nil {
		t.Fatal(err)
	}

	t.Run("not allowed", func(t *testing.T) {
		o := o
		o.AllowSim = false
		wantErr(t, verify(ev, o), tee.ErrSimNotAllowed)
	})
	t.Run("wrong key", func(t *testing.T) {
		_, otherPub, _ := sim.DevAttestationKey("someone else's devnet")
		o := o
		o.SimKeys = []ed25519.PublicKey{otherPub}
		wantErr(t, verify(ev, o), tee.ErrUnknownSimKey)
		o.SimKeys = nil
		wantErr(t, verify(ev, o), tee.ErrUnknownSimKey)
	})
	t.Run("key swapped in", func(t *testing.T) {
		// A forger replaces the public key with a genesis key it does not hold.
		otherPriv, _, _ := sim.DevAttestationKey("attacker")
		forger, _ := sim.New(sim.Config{AttestationKey: otherPriv, SealingSeed: make([]byte, 32), Code: "phala-worker v1.0.0"})
		e, err := tee.DecodeSimEvidence(simQuote(t, forger, [tee.ReportDataSize]byte{1}))
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, verify(e.Encode(), o), tee.ErrUnknownSimKey)
		copy(e.PublicKey[:], o.SimKeys[0])
		wantErr(t, verify(e.Encode(), o), tee.ErrBadSignature)
	})
	for _, tc := range []struct {
		name   string
		tamper func(e *tee.SimEvidence)
	}{
		{"forged signature", func(e *tee.SimEvidence) { e.Signature[0] ^= 1 }},
		{"tampered report data", func(e *tee.SimEvidence) { e.ReportData[63] ^= 1 }},
		{"tampered measurement", func(e *tee.SimEvidence) { e.Measurement[0] ^= 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := tee.DecodeSimEvidence(ev)
			tc.tamper(e)
			wantErr(t, verify(e.Encode(), o), tee.ErrBadSignature)
		})
	}
	t.Run("every byte", func(t *testing.T) {
		for i := range ev {
			bad := append([]byte(nil), ev...)
			bad[i] ^= 0x80
			if err := verify(bad, o); err == nil {
				t.Fatalf("flipping byte %d verified", i)
			}
		}
	})
	t.Run("config changed", func(t *testing.T) {
		e, _ := tee.DecodeSimEvidence(ev)
		e.Config[0] ^= 1 // another genesis under the same signature
		wantErr(t, verify(e.Encode(), o), tee.ErrBadSignature)
	})
	t.Run("bad version", func(t *testing.T) {
		for _, v := range []uint64{1, 3} { // 1: before the configuration
			e, _ := tee.DecodeSimEvidence(ev)
			e.Version = v
			wantErr(t, verify(e.Encode(), o), tee.ErrBadEvidence)
		}
	})
	t.Run("trailing and truncated", func(t *testing.T) {
		wantErr(t, verify(append(append([]byte{}, ev...), 0), o), tee.ErrBadEvidence)
		wantErr(t, verify(ev[:len(ev)-1], o), tee.ErrBadEvidence)
		wantErr(t, verify(nil, o), tee.ErrBadEvidence)
	})
	t.Run("no block time", func(t *testing.T) {
		zero := tee.VerifyOptions{AllowSim: true, SimKeys: o.SimKeys}
		wantErr(t, verify(ev, zero), tee.ErrNoBlockTime)
	})
	t.Run("unknown kind", func(t *testing.T) {
		_, err := tee.Verify(tee.Attestation{Kind: "sgx", Evidence: ev}, o)
		wantErr(t, err, tee.ErrUnknownKind)
	})
	t.Run("kind mismatch", func(t *testing.T) {
		_, err := tee.Verify(tee.Attestation{Kind: tee.KindTDX, Evidence: ev}, o)
		wantErr(t, err, tee.ErrBadEvidence)
		_, err = tee.Verify(tee.Attestation{Kind: tee.KindSEVSNP, Evidence: ev}, o)
		wantErr(t, err, tee.ErrBadEvidence)
	})
}

func TestSignSimEvidenceRejectsBadKey(t *testing.T) {
	if _, err := tee.SignSimEvidence(ed25519.PrivateKey{1, 2}, [32]byte{}, [32]byte{}, [64]byte{}); err == nil {
		t.Fatal("signed with a 2-byte key")
	}
}
