package tee

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	sevpb "github.com/google/go-sev-guest/proto/sevsnp"
)

// recordedSEVAttestation is the recorded report (signature checked by the
// exported tests) with its VCEK, as checkSEVSNPPolicy receives it.
func recordedSEVAttestation(t *testing.T) *sevpb.Attestation {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "sevsnp_report.bin"))
	if err != nil {
		t.Fatal(err)
	}
	vcek, err := os.ReadFile(filepath.Join("testdata", "sevsnp_vcek.der"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := parseSEVSNPReport(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &sevpb.Attestation{Report: rep, CertificateChain: &sevpb.CertificateChain{VcekCert: vcek, Extras: map[string][]byte{}}}
}

// TestSEVSNPPolicy edits what a host could influence in a report (a guest
// run at a lower-privileged VMPL, firmware updated but not committed, an
// old TCB) and checks each refusal names its check. The signature does not
// matter here: the policy runs on reports whose signature verified.
func TestSEVSNPPolicy(t *testing.T) {
	if err := checkSEVSNPPolicy(recordedSEVAttestation(t), VerifyOptions{}); err != nil {
		t.Fatalf("recorded report: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*sevpb.Report)
		opts VerifyOptions
		want error
	}{
		{"vmpl 1", func(r *sevpb.Report) { r.Vmpl = 1 }, VerifyOptions{}, ErrWrongVMPL},
		{"vmpl 3", func(r *sevpb.Report) { r.Vmpl = 3 }, VerifyOptions{}, ErrWrongVMPL},
		{"provisional firmware", func(r *sevpb.Report) { r.CommittedTcb = 0 }, VerifyOptions{}, ErrProvisionalFirmware},
		{"below minimum", func(*sevpb.Report) {}, VerifyOptions{SEVSNPMinTCB: SEVSNPTCB{SnpSpl: 255}}, ErrTCBOutOfDate},
		{"migration agent", func(r *sevpb.Report) { r.Policy |= 1 << 18 }, VerifyOptions{}, ErrPolicy},
	} {
		att := recordedSEVAttestation(t)
		att.Report = proto.Clone(att.Report).(*sevpb.Report)
		c.edit(att.Report)
		err := checkSEVSNPPolicy(att, c.opts)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
