package tee

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// recordedSEVEvidence is the recorded report and its VCEK, encoded.
func recordedSEVEvidence(t *testing.T) []byte {
	t.Helper()
	var parts [2][]byte
	for i, name := range []string{"sevsnp_report.bin", "sevsnp_vcek.der"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		parts[i] = b
	}
	return (&SEVSNPEvidence{Version: SEVSNPEvidenceVersion, Report: parts[0], EndorsementCert: parts[1]}).Encode()
}

// TestVerifySEVSNPGenuineUnrevoked: the recorded report, from a Milan
// guest launched with DEBUG set, passes every check but revocation (no
// CRL of AMD's ARK is recorded: TestVerifySEVSNPGenuine) with
// AllowDebug, proves its measurement and report data, and names AMD's
// Milan ASK and ARK as the link whose CRL decides revocation.
func TestVerifySEVSNPGenuineUnrevoked(t *testing.T) {
	v, link, err := verifySEVSNPUnrevoked(recordedSEVEvidence(t), VerifyOptions{Now: time.Date(2026, time.November, 22, 0, 0, 0, 0, time.UTC), AllowDebug: true})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := hex.DecodeString("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01")
	if v.Kind != KindSEVSNP || !bytes.Equal(v.Measurement, m) || !bytes.Equal(v.ReportData[:6], []byte{1, 2, 3, 4, 5, 0}) {
		t.Fatalf("measurement %x, report data %x", v.Measurement, v.ReportData)
	}
	if v.Details["product"] != "Milan-B0" || v.Details["policy"] != "b0000" || v.Details["signing_key"] != "VCEK" {
		t.Fatalf("details %v", v.Details)
	}
	if err := CheckMeasurement(v, [][]byte{m}); err != nil {
		t.Fatal(err)
	}
	other := append([]byte(nil), m...)
	other[0] ^= 1
	if err := CheckMeasurement(v, [][]byte{other}); !errors.Is(err, ErrMeasurementNotAllowed) {
		t.Fatalf("another measurement: %v", err)
	}
	e, _ := DecodeSEVSNPEvidence(recordedSEVEvidence(t))
	if c, err := SEVSNPClaims(e.Report); err != nil || !bytes.Equal(c.Measurement, v.Measurement) || c.ReportData != v.ReportData {
		t.Fatalf("claims %v, %v", c, err)
	}
	if link.what != "ASK" || link.cert.Subject.CommonName != "SEV-Milan" || link.issuer.Subject.CommonName != "ARK-Milan" {
		t.Fatalf("link %s %q under %q", link.what, link.cert.Subject.CommonName, link.issuer.Subject.CommonName)
	}
}
