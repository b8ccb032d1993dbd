package tee_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/tee"
)

func TestAttestationRoundTrip(t *testing.T) {
	for _, a := range []tee.Attestation{
		{Kind: tee.KindSim, Evidence: []byte{1, 2, 3}},
		{Kind: tee.KindTDX, Evidence: readTestdata(t, "tdx_quote_v4.dat")},
		{Kind: tee.KindSEVSNP, Evidence: bytes.Repeat([]byte{7}, tee.MaxEvidenceSize)},
	} {
		got, err := tee.DecodeAttestation(a.Encode())
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		if got.Kind != a.Kind || !bytes.Equal(got.Evidence, a.Evidence) {
			t.Fatalf("%s: round trip changed the attestation", a.Kind)
		}
	}
}

func TestDecodeAttestationRejects(t *testing.T) {
	good := tee.Attestation{Kind: tee.KindSim, Evidence: []byte{1, 2, 3}}.Encode()
	for name, b := range map[string][]byte{
		"empty":              nil,
		"trailing byte":      append(append([]byte{}, good...), 0),
		"truncated":          good[:len(good)-1],
		"oversized evidence": tee.Attestation{Kind: tee.KindTDX, Evidence: make([]byte, tee.MaxEvidenceSize+1)}.Encode(),
		"oversized kind":     tee.Attestation{Kind: tee.Kind(strings.Repeat("k", 17)), Evidence: []byte{1}}.Encode(),
		"invalid utf-8":      {2, 0xff, 0xfe, 1, 0},
		"padded varint":      {0x83, 0x00, 's', 'i', 'm', 1, 0},
	} {
		if _, err := tee.DecodeAttestation(b); err == nil {
			t.Errorf("%s: decoded", name)
		} else {
			wantErr(t, err, tee.ErrBadEvidence)
		}
	}
}

func TestKindKnown(t *testing.T) {
	for _, k := range []tee.Kind{tee.KindSim, tee.KindTDX, tee.KindSEVSNP} {
		if !k.Known() {
			t.Errorf("%s not known", k)
		}
	}
	if tee.Kind("sgx").Known() {
		t.Error("sgx known")
	}
}

// FuzzDecodeAttestation checks that DecodeAttestation never panics and
// that whatever it accepts re-encodes to the same bytes.
func FuzzDecodeAttestation(f *testing.F) {
	f.Add(tee.Attestation{Kind: tee.KindSim, Evidence: []byte{1, 2, 3}}.Encode())
	f.Add(tee.Attestation{Kind: tee.KindTDX, Evidence: readTestdata(f, "tdx_quote_v4.dat")}.Encode())
	f.Add(tee.Attestation{Kind: tee.KindSEVSNP, Evidence: readTestdata(f, "sevsnp_report.bin")}.Encode())
	f.Add([]byte{})
	f.Add([]byte{0x83, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := tee.DecodeAttestation(b)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Encode(), b) {
			t.Fatalf("accepted a non-canonical encoding %x", b)
		}
	})
}
