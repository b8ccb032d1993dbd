package tdx_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/internal/tsmtest"
	"github.com/phalanetwork/phala/tee/tdx"
	"github.com/phalanetwork/phala/tee/tdxtest"
)

// recorded returns the recorded quote (with go-tdx-guest's unsigned
// trailer, as a quote generator might return it) and its report data.
func recorded(t *testing.T) ([]byte, [tee.ReportDataSize]byte) {
	t.Helper()
	q, err := os.ReadFile("../testdata/tdx_quote_v4.dat")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tee.TDXClaims(q[:len(q)-39])
	if err != nil {
		t.Fatal(err)
	}
	return q, c.ReportData
}

type keySource struct {
	key []byte
	err error
}

func (k keySource) SealingKey() ([]byte, error) { return k.key, k.err }

func TestQuoteVerifiesOnChain(t *testing.T) {
	raw, rd := recorded(t)
	p, err := tdx.New(tsmtest.Client("tdx_guest", raw, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := tee.Attest(p, rd)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != tee.KindTDX || len(a.Evidence) != len(raw)-39 {
		t.Fatalf("attestation %s of %d bytes", a.Kind, len(a.Evidence))
	}
	// Every signature checks; the recorded platform's TCB is older than
	// every level in Intel's collateral, which is the one refusal left.
	_, err = tee.Verify(a, tee.VerifyOptions{Now: tdxtest.Current, TDXCollateral: tdxtest.Lookup, TDXCRL: tdxtest.CRL})
	if !errors.Is(err, tee.ErrTCBOutOfDate) {
		t.Fatalf("verify: %v, want the TCB check to refuse", err)
	}
	c, err := tee.TDXClaims(a.Evidence)
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Measurement()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m, c.Measurement) || len(m) != 4*48 || c.ReportData != rd {
		t.Fatalf("provider measurement %x, chain sees %x", m, c.Measurement)
	}
}

func TestQuoteChecksReportData(t *testing.T) {
	raw, rd := recorded(t)
	p, _ := tdx.New(tsmtest.Client("tdx_guest", raw, nil), nil)
	rd[0] ^= 1
	if _, err := p.Quote(rd); !errors.Is(err, tee.ErrReportDataMismatch) {
		t.Fatalf("err = %v", err)
	}
}

func TestWrongTEE(t *testing.T) {
	raw, rd := recorded(t)
	for _, prov := range []string{"sev_guest", "fake"} {
		p, _ := tdx.New(tsmtest.Client(prov, raw, nil), nil)
		if _, err := p.Quote(rd); !errors.Is(err, tee.ErrUnavailable) {
			t.Fatalf("%s: err = %v", prov, err)
		}
		if _, err := p.Measurement(); !errors.Is(err, tee.ErrUnavailable) {
			t.Fatalf("%s: err = %v", prov, err)
		}
	}
	if _, err := tdx.New(nil, nil); !errors.Is(err, tee.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestGarbageQuote(t *testing.T) {
	p, _ := tdx.New(tsmtest.Client("tdx_guest", []byte("privlevel: 0\ninblob: 00"), nil), nil)
	if _, err := p.Quote([tee.ReportDataSize]byte{}); !errors.Is(err, tee.ErrBadEvidence) {
		t.Fatalf("err = %v", err)
	}
}

func TestSealingKey(t *testing.T) {
	raw, _ := recorded(t)
	c := tsmtest.Client("tdx_guest", raw, nil)
	p, _ := tdx.New(c, nil)
	if _, err := p.SealingKey(); !errors.Is(err, tee.ErrNoSealingKey) {
		t.Fatalf("err = %v", err)
	}
	key := bytes.Repeat([]byte{5}, 32)
	p, _ = tdx.New(c, keySource{key: key})
	if got, err := p.SealingKey(); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("key %x, %v", got, err)
	}
	p, _ = tdx.New(c, keySource{key: key[:16]})
	if _, err := p.SealingKey(); err == nil {
		t.Fatal("accepted a 16-byte key")
	}
	boom := errors.New("kms down")
	p, _ = tdx.New(c, keySource{err: boom})
	if _, err := p.SealingKey(); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestDeriveLabelUnchanged(t *testing.T) {
	p, _ := tdx.New(tsmtest.Client("tdx_guest", nil, nil), nil)
	if got := p.DeriveLabel("phala/identity"); got != "phala/identity" {
		t.Fatalf("DeriveLabel = %q", got)
	}
	if p.Kind() != tee.KindTDX {
		t.Fatal(p.Kind())
	}
}

var _ tee.Provider = (*tdx.Provider)(nil)
