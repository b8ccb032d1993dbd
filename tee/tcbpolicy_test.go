package tee_test

import (
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/tdxtest"
)

func TestCheckTDXCollateral(t *testing.T) {
	c := tdxtest.Collateral()
	ck, err := tee.CheckTDXCollateral(c, tee.TestRoots{}, tdxTime())
	want := tee.CheckedTDXCollateral{FMSPC: "50806f000000",
		TCBInfo:    tee.TCBIssue{Evaluation: 15, Issued: time.Date(2023, time.June, 18, 8, 42, 58, 0, time.UTC)},
		QEIdentity: tee.TCBIssue{Evaluation: 15, Issued: time.Date(2023, time.June, 8, 7, 24, 59, 0, time.UTC)}}
	if err != nil || ck != want {
		t.Fatalf("sample collateral: %+v, %v", ck, err)
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
		// Unsigned keys beside the signed one: Go's JSON decoder matches
		// keys case-insensitively and lets a later duplicate win.
		"case-variant key": func(c *tee.TDXCollateral) { *c = tdxtest.UnsignedUpToDate(*c) },
		"duplicate key": func(c *tee.TDXCollateral) {
			c.QEIdentity = strings.Replace(c.QEIdentity, `{`, `{"enclaveIdentity":{},`, 1)
		},
		"trailing data":  func(c *tee.TDXCollateral) { c.TCBInfo += `{}` },
		"no chain":       func(c *tee.TDXCollateral) { c.TCBInfoIssuerChain = "" },
		"swapped bodies": func(c *tee.TDXCollateral) { c.TCBInfo, c.QEIdentity = c.QEIdentity, c.TCBInfo },
	} {
		b := c
		bad(&b)
		if _, err := tee.CheckTDXCollateral(b, tee.TestRoots{}, tdxTime()); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			wantErr(t, err, tee.ErrTCBCollateral)
		}
	}
	_, err = tee.CheckTDXCollateral(c, tee.TestRoots{}, time.Date(2023, time.August, 1, 0, 0, 0, 0, time.UTC))
	wantErr(t, err, tee.ErrTCBCollateral)
}

// TestVerifyTDXCollateral: a TDX quote is checked against the chain's
// collateral; without any for its platform, or with expired collateral,
// it is refused naming the collateral check.
func TestVerifyTDXCollateral(t *testing.T) {
	q := tee.Attestation{Kind: tee.KindTDX, Evidence: tdxQuote(t)}
	_, err := tee.Verify(q, tee.VerifyOptions{Now: tdxTime()})
	wantErr(t, err, tee.ErrTCBCollateral)
	_, err = tee.Verify(q, tee.VerifyOptions{Now: sevTime(), TDXCollateral: tdxtest.Lookup, TDXCRL: tdxtest.CRL})
	wantErr(t, err, tee.ErrTCBCollateral)
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired collateral refused with %v", err)
	}
}

// TestCheckTDXCRL: Intel's recorded CRLs (PCK platform CA, with its
// issuer chain, and root CA, without) check at a time they are current;
// after the PCK CRL's nextUpdate, edited, or under a chain that does not
// end in Intel's root, they are refused naming the check.
func TestCheckTDXCRL(t *testing.T) {
	c := tdxtest.Collateral()
	if len(c.CRLs) != 2 {
		t.Fatalf("%d CRLs", len(c.CRLs))
	}
	var issuers []string
	for _, crl := range c.CRLs {
		ck, err := tee.CheckTDXCRL(crl, tee.TestRoots{}, tdxTime())
		if err != nil {
			t.Fatalf("recorded CRL: %v", err)
		}
		issuers = append(issuers, ck.Issuer)
	}
	if issuers[0] == issuers[1] || tdxtest.CRL(issuers[0]) == nil || tdxtest.CRL("00") != nil {
		t.Fatalf("issuers %q", issuers)
	}
	// PCS serves PEM too: the same list, the same issuer.
	asPEM := append(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: c.CRLs[0].CRL}), '\n')
	if ck, err := tee.CheckTDXCRL(tee.TDXCRL{CRL: asPEM, IssuerChain: c.CRLs[0].IssuerChain}, tee.TestRoots{}, tdxTime()); err != nil || ck.Issuer != issuers[0] {
		t.Fatalf("PEM CRL: %+v, %v", ck, err)
	}
	_, err := tee.CheckTDXCRL(c.CRLs[0], tee.TestRoots{}, time.Date(2023, time.July, 9, 0, 0, 0, 0, time.UTC))
	wantErr(t, err, tee.ErrTCBCollateral)
	edited := append([]byte(nil), c.CRLs[0].CRL...)
	edited[len(edited)-80] ^= 1 // inside the last revoked serial, before the signature
	_, err = tee.CheckTDXCRL(tee.TDXCRL{CRL: edited, IssuerChain: c.CRLs[0].IssuerChain}, tee.TestRoots{}, tdxTime())
	if err == nil {
		t.Fatal("edited CRL accepted")
	}
	// The root CRL under the PCK CRL's chain: not signed by that CA.
	_, err = tee.CheckTDXCRL(tee.TDXCRL{CRL: c.CRLs[1].CRL, IssuerChain: c.CRLs[0].IssuerChain}, tee.TestRoots{}, tdxTime())
	wantErr(t, err, tee.ErrUntrustedChain)
	// The TCB signing chain is Intel's but no CA of the PCK chain.
	_, err = tee.CheckTDXCRL(tee.TDXCRL{CRL: c.CRLs[0].CRL, IssuerChain: c.TCBInfoIssuerChain}, tee.TestRoots{}, tdxTime())
	wantErr(t, err, tee.ErrUntrustedChain)
}

// TestVerifyTDXUnsignedTCBKey: collateral already in state with an
// unsigned "TcbInfo" key (stored before its entry check refused such
// bodies) is refused at verification: go-tdx-guest would read the
// out-of-date platform's TCB status from the unsigned levels.
func TestVerifyTDXUnsignedTCBKey(t *testing.T) {
	c := tdxtest.UnsignedUpToDate(tdxtest.Collateral())
	_, err := tee.Verify(tee.Attestation{Kind: tee.KindTDX, Evidence: tdxQuote(t)},
		tee.VerifyOptions{Now: tdxtest.Current, TDXCollateral: func(string) *tee.TDXCollateral { return &c }, TDXCRL: tdxtest.CRL})
	wantErr(t, err, tee.ErrTCBCollateral)
	if !strings.Contains(err.Error(), `body has key "TcbInfo"`) {
		t.Fatalf("refused with %v", err)
	}
}
