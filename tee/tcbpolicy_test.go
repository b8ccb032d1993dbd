package tee_test

import (
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/tdxtest"
)

func TestCheckTDXCollateral(t *testing.T) {
	c := tdxtest.Collateral()
	fmspc, err := tee.CheckTDXCollateral(c, tdxTime())
	if err != nil || fmspc != "50806f000000" {
		t.Fatalf("sample collateral: %q, %v", fmspc, err)
	}
	for name, bad := range map[string]func(*tee.TDXCollateral){
		// A hostile proposer lowers the bar: the platform's TCB level
		// marked OutOfDate becomes UpToDate.
		"status edited": func(c *tee.TDXCollateral) {
			c.TCBInfo = strings.Replace(c.TCBInfo, `"OutOfDate"`, `"UpToDate"`, 1)
		},
		"qe edited": func(c *tee.TDXCollateral) {
			c.QEIdentity = strings.Replace(c.QEIdentity, `"isvsvn":4`, `"isvsvn":0`, 1)
		},
		"no chain":       func(c *tee.TDXCollateral) { c.TCBInfoIssuerChain = "" },
		"swapped bodies": func(c *tee.TDXCollateral) { c.TCBInfo, c.QEIdentity = c.QEIdentity, c.TCBInfo },
	} {
		b := c
		bad(&b)
		if _, err := tee.CheckTDXCollateral(b, tdxTime()); err == nil {
			t.Fatalf("%s: accepted", name)
		} else {
			wantErr(t, err, tee.ErrTCBCollateral)
		}
	}
	_, err = tee.CheckTDXCollateral(c, time.Date(2023, time.August, 1, 0, 0, 0, 0, time.UTC))
	wantErr(t, err, tee.ErrTCBCollateral)
}

// TestVerifyTDXCollateral: a TDX quote is checked against the chain's
// collateral; without any for its platform, or with expired collateral,
// it is refused naming the collateral check.
func TestVerifyTDXCollateral(t *testing.T) {
	q := tee.Attestation{Kind: tee.KindTDX, Evidence: tdxQuote(t)}
	_, err := tee.Verify(q, tee.VerifyOptions{Now: tdxTime()})
	wantErr(t, err, tee.ErrTCBCollateral)
	_, err = tee.Verify(q, tee.VerifyOptions{Now: sevTime(), TDXCollateral: tdxtest.Lookup})
	wantErr(t, err, tee.ErrTCBCollateral)
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired collateral refused with %v", err)
	}
}
