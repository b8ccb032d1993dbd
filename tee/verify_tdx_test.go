package tee_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
)

func tdxVerify(ev []byte, now time.Time) (*tee.Verified, error) {
	return tee.Verify(tee.Attestation{Kind: tee.KindTDX, Evidence: ev}, tee.VerifyOptions{Now: now})
}

func TestVerifyTDXGenuine(t *testing.T) {
	quote := tdxQuote(t)
	// sevTime is today: the recorded quote's certificates are still valid.
	for _, now := range []time.Time{tdxTime(), sevTime()} {
		v, err := tdxVerify(quote, now)
		if err != nil {
			t.Fatalf("at %s: %v", now, err)
		}
		want := unhex(t, tdxMRTD+tdxRTMR0+tdxRTMR1+tdxRTMR2)
		if v.Kind != tee.KindTDX || !bytes.Equal(v.Measurement, want) {
			t.Fatalf("measurement %x, want %x", v.Measurement, want)
		}
		if !bytes.Equal(v.ReportData[:], unhex(t, tdxReportData)) {
			t.Fatalf("report data %x", v.ReportData)
		}
		if v.Details["mr_td"] != tdxMRTD || v.Details["tee_tcb_svn"] == "" || v.Details["fmspc"] == "" {
			t.Fatalf("details %v", v.Details)
		}
		if err := tee.CheckMeasurement(v, [][]byte{want}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := tee.TDXClaims(quote)
	if err != nil || !bytes.Equal(c.Measurement, unhex(t, tdxMRTD+tdxRTMR0+tdxRTMR1+tdxRTMR2)) {
		t.Fatalf("claims %v, %v", c, err)
	}
}

func TestVerifyTDXWrongMeasurement(t *testing.T) {
	v, err := tdxVerify(tdxQuote(t), tdxTime())
	if err != nil {
		t.Fatal(err)
	}
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
			!errors.Is(err, tee.ErrUntrustedChain) && !errors.Is(err, tee.ErrCertValidity) {
			t.Errorf("byte %d: unclassified error %v", i%len(quote), err)
		}
	}
}
