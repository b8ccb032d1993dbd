package sevsnp_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/uuid"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsmtest"
	"github.com/phalanetwork/phala/tee/sevsnp"
	"github.com/phalanetwork/phala/tee/teefake"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorded returns the recorded report, its VCEK, a host certificate table
// holding the VCEK, and the report's report data.
func recorded(t *testing.T) (report, vcek, table []byte, rd [tee.ReportDataSize]byte) {
	t.Helper()
	report, vcek = read(t, "sevsnp_report.bin"), read(t, "sevsnp_vcek.der")
	ct := &sevabi.CertTable{Entries: []sevabi.CertTableEntry{{GUID: uuid.MustParse(sevabi.VcekGUID), RawCert: vcek}}}
	c, err := tee.SEVSNPClaims(report)
	if err != nil {
		t.Fatal(err)
	}
	return report, vcek, ct.Marshal(), c.ReportData
}

// verifyOpts are the chain's options at the date of writing; the recorded
// report is from a debug guest.
func verifyOpts() tee.VerifyOptions {
	return tee.VerifyOptions{Now: time.Date(2026, time.November, 22, 0, 0, 0, 0, time.UTC), AllowDebug: true}
}

// TestQuoteVerifiesOnChain: the provider's evidence from the recorded
// report passes every check of the chain's verifier but the last,
// revocation, which needs AMD's CRL of the Milan ARK (none is recorded);
// the chain sees the provider's measurement and report data. The same
// provider over the fake AMD chain verifies in full against its ARK's
// CRL.
func TestQuoteVerifiesOnChain(t *testing.T) {
	report, vcek, table, rd := recorded(t)
	for name, cfg := range map[string]sevsnp.Config{
		"vcek from host table":  {Client: tsmtest.Client("sev_guest", report, table)},
		"vcek from config":      {Client: tsmtest.Client("sev_guest", report, nil), EndorsementCert: vcek},
		"host table without it": {Client: tsmtest.Client("sev_guest", report, (&sevabi.CertTable{Entries: []sevabi.CertTableEntry{{GUID: uuid.MustParse(sevabi.ArkGUID), RawCert: []byte{1}}}}).Marshal()), EndorsementCert: vcek},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := sevsnp.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			a, err := tee.Attest(p, rd)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tee.Verify(a, verifyOpts()); !errors.Is(err, tee.ErrTCBCollateral) || !strings.Contains(err.Error(), `no CRL of "ARK-Milan"`) {
				t.Fatalf("want only the revocation check to fail, got %v", err)
			}
			e, err := tee.DecodeSEVSNPEvidence(a.Evidence)
			if err != nil {
				t.Fatal(err)
			}
			c, err := tee.SEVSNPClaims(e.Report)
			if err != nil {
				t.Fatal(err)
			}
			m, err := p.Measurement()
			if err != nil || !bytes.Equal(m, c.Measurement) || len(m) != 48 || c.ReportData != rd {
				t.Fatalf("provider measurement %x, %v; chain sees %x", m, err, c.Measurement)
			}
		})
	}
	t.Run("fake AMD chain", func(t *testing.T) {
		o := teefake.Options{Code: "sevsnp"}
		client, err := teefake.SEVSNPClient(o)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sevsnp.New(sevsnp.Config{Client: client})
		if err != nil {
			t.Fatal(err)
		}
		a, err := tee.Attest(p, rd)
		if err != nil {
			t.Fatal(err)
		}
		roots, err := teefake.Roots()
		if err != nil {
			t.Fatal(err)
		}
		crls, err := teefake.SEVSNPCollateral(teefake.CRLOptions{})
		if err != nil {
			t.Fatal(err)
		}
		now := verifyOpts().Now
		v, err := tee.Verify(a, tee.VerifyOptions{Now: now, TestRoots: roots, TDXCRL: tee.TDXCRLs([]tee.TDXCollateral{crls}, roots, now)})
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.Measurement()
		if err != nil || !bytes.Equal(m, v.Measurement) {
			t.Fatalf("provider measurement %x, %v; chain sees %x", m, err, v.Measurement)
		}
		if err := tee.CheckReportData(v, rd); err != nil {
			t.Fatal(err)
		}
	})
}

func TestQuoteErrors(t *testing.T) {
	report, _, table, rd := recorded(t)
	other := rd
	other[0] ^= 1
	// Offset+length overflows uint32: must be an error, not a panic.
	hostile := make([]byte, 24*2+8)
	g := uuid.MustParse(sevabi.VcekGUID)
	copy(hostile[0:16], g[:])
	hostile[16], hostile[17], hostile[18], hostile[19] = 0xff, 0xff, 0xff, 0xff
	hostile[20], hostile[21], hostile[22], hostile[23] = 0x10, 0, 0, 0
	for _, tc := range []struct {
		name  string
		table []byte
		rd    [tee.ReportDataSize]byte
		want  error
	}{
		{"report data", table, other, tee.ErrReportDataMismatch},
		{"no certificate", nil, rd, tee.ErrBadEvidence},
		{"hostile certificate table", hostile, rd, tee.ErrBadEvidence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := sevsnp.New(sevsnp.Config{Client: tsmtest.Client("sev_guest", report, tc.table)})
			if _, err := p.Quote(tc.rd); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("wrong tee", func(t *testing.T) {
		p, _ := sevsnp.New(sevsnp.Config{Client: tsmtest.Client("tdx_guest", report, table)})
		if _, err := p.Quote(rd); !errors.Is(err, tee.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if _, err := sevsnp.New(sevsnp.Config{}); !errors.Is(err, tee.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("garbage report", func(t *testing.T) {
		p, _ := sevsnp.New(sevsnp.Config{Client: tsmtest.Client("sev_guest", []byte("privlevel: 0"), table)})
		if _, err := p.Quote(rd); !errors.Is(err, tee.ErrBadEvidence) {
			t.Fatalf("err = %v", err)
		}
		if _, err := p.Measurement(); !errors.Is(err, tee.ErrBadEvidence) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSealingKey(t *testing.T) {
	report, _, table, _ := recorded(t)
	c := tsmtest.Client("sev_guest", report, table)
	p, _ := sevsnp.New(sevsnp.Config{Client: c})
	if _, err := p.SealingKey(); !errors.Is(err, tee.ErrNoSealingKey) {
		t.Fatalf("err = %v", err)
	}
	key := bytes.Repeat([]byte{0x42}, 32)
	dev := &fakeDevice{key: key}
	p, _ = sevsnp.New(sevsnp.Config{Client: c, Sealing: &sevsnp.DerivedKeySource{Device: dev}})
	got, err := p.SealingKey()
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("key %x, %v", got, err)
	}
	if dev.req.RootKeySelect != 0 || dev.req.GuestFieldSelect != 1<<3|1 || dev.req.Vmpl != 0 {
		t.Fatalf("derived-key request %+v: want VCEK root, measurement and policy mixed in, VMPL 0", dev.req)
	}
	p, _ = sevsnp.New(sevsnp.Config{Client: c, Sealing: &sevsnp.DerivedKeySource{Device: &fakeDevice{}}})
	if _, err := p.SealingKey(); err == nil {
		t.Fatal("accepted an all-zero derived key")
	}
	p, _ = sevsnp.New(sevsnp.Config{Client: c, Sealing: &sevsnp.DerivedKeySource{Device: &fakeDevice{fail: true}}})
	if _, err := p.SealingKey(); err == nil {
		t.Fatal("no error from a failing device")
	}
}

func TestDeriveLabelUnchanged(t *testing.T) {
	p, _ := sevsnp.New(sevsnp.Config{Client: tsmtest.Client("sev_guest", nil, nil)})
	if got := p.DeriveLabel("phala/identity"); got != "phala/identity" {
		t.Fatalf("DeriveLabel = %q", got)
	}
	if p.Kind() != tee.KindSEVSNP {
		t.Fatal(p.Kind())
	}
}

var _ tee.Provider = (*sevsnp.Provider)(nil)
