package tee_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/tdxtest"
)

func tdxVerify(ev []byte, now time.Time) (*tee.Verified, error) {
	return tee.Verify(tee.Attestation{Kind: tee.KindTDX, Evidence: ev}, tee.VerifyOptions{Now: now, TDXCollateral: tdxtest.Lookup, TDXCRL: tdxtest.CRL})
}

// TestVerifyTDXGenuine: the recorded quote is genuine (every signature
// checks) but its platform's TCB is out of date: its CPU SVN components
// (3 3 2 2 2 1 0 2) are below every TCB level in Intel's TCB info for its
// FMSPC (5 5 2 2 3 1 0 3 and up), so it is refused naming the TCB check.
// An operator on an unpatched machine gets no key.
func TestVerifyTDXGenuine(t *testing.T) {
	quote := tdxQuote(t)
	_, err := tdxVerify(quote, tdxTime())
	wantErr(t, err, tee.ErrTCBOutOfDate)
	if !strings.Contains(err.Error(), "TCB status") {
		t.Fatalf("refusal %v does not name the TCB status check", err)
	}
	c, err := tee.TDXClaims(quote)
	if err != nil || !bytes.Equal(c.Measurement, unhex(t, tdxMRTD+tdxRTMR0+tdxRTMR1+tdxRTMR2)) {
		t.Fatalf("claims %v, %v", c, err)
	}
	if !bytes.Equal(c.ReportData[:], unhex(t, tdxReportData)) {
		t.Fatalf("report data %x", c.ReportData)
	}
}

func TestVerifyTDXWrongMeasurement(t *testing.T) {
	c, err := tee.TDXClaims(tdxQuote(t))
	if err != nil {
		t.Fatal(err)
	}
	v := &tee.Verified{Kind: tee.KindTDX, Measurement: c.Measurement}
	// MRTD alone, or a different RTMR2, is not the measurement.
	other := unhex(t, tdxMRTD+tdxRTMR0+tdxRTMR1+tdxRTMR2)
	other[len(other)-1] ^= 1
	wantErr(t, tee.CheckMeasurement(v, [][]byte{unhex(t, tdxMRTD), other}), tee.ErrMeasurementNotAllowed)
}

func TestVerifyTDXOutsideValidity(t *testing.T) {
	quote := tdxQuote(t)
	for _, now := range []time.Time{afterExpiry(), beforeIssue()} {
		_, err := tdxVerify(quote, now)
		wantErr(t, err, tee.ErrCertValidity)
	}
	// One second past the PCK leaf's NotAfter.
	_, err := tdxVerify(quote, time.Date(2029, time.September, 20, 13, 20, 32, 0, time.UTC))
	wantErr(t, err, tee.ErrCertValidity)
}

func TestVerifyTDXTamper(t *testing.T) {
	quote := tdxQuote(t)
	const bodyStart = 48 // quote header size
	for name, off := range map[string]int{
		"version":     0,
		"mr_td":       bodyStart + 136,
		"rtmr2":       bodyStart + 328 + 2*48,
		"report data": bodyStart + 520 + 5,
		"signature":   bodyStart + 584 + 4 + 10,
	} {
		bad := append([]byte(nil), quote...)
		bad[off] ^= 1
		_, err := tdxVerify(bad, tdxTime())
		if err == nil {
			t.Fatalf("%s tampered: verified", name)
		}
		if name != "version" {
			wantErr(t, err, tee.ErrBadSignature)
		}
	}
	_, err := tdxVerify(append(append([]byte(nil), quote...), 0), tdxTime())
	wantErr(t, err, tee.ErrBadEvidence)
	recorded := readTestdata(t, "tdx_quote_v4.dat")
	_, err = tdxVerify(recorded, tdxTime())
	wantErr(t, err, tee.ErrBadEvidence)
	trimmed, err := tee.TrimTDXQuote(recorded)
	if err != nil || !bytes.Equal(trimmed, quote) {
		t.Fatalf("TrimTDXQuote: %v", err)
	}
	_, err = tdxVerify(quote[:len(quote)-1], tdxTime())
	wantErr(t, err, tee.ErrBadEvidence)
}

// TestVerifyTDXEveryByte flips the low bit of each byte of the quote, and
// the high bit of each 7th, in turn: none of the results may verify.
func TestVerifyTDXEveryByte(t *testing.T) {
	skipFlipsUnderRace(t)
	quote := tdxQuote(t)
	for i := 0; i < len(quote)*2; i++ {
		mask := byte(0x01)
		if i >= len(quote) {
			mask = 0x80
		}
		if (mask == 0x80 || testing.Short()) && i%7 != 0 {
			continue
		}
		bad := append([]byte(nil), quote...)
		bad[i%len(quote)] ^= mask
		if _, err := tdxVerify(bad, tdxTime()); err == nil {
			t.Errorf("flipping %#x of byte %d verified", mask, i%len(quote))
		} else if !errors.Is(err, tee.ErrBadEvidence) && !errors.Is(err, tee.ErrBadSignature) &&
			!errors.Is(err, tee.ErrUntrustedChain) && !errors.Is(err, tee.ErrCertValidity) && !errors.Is(err, tee.ErrTCBCollateral) {
			t.Errorf("byte %d: unclassified error %v", i%len(quote), err)
		}
	}
}
