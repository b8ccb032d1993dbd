// Package tdxtest holds TDX test collateral for tests outside tee: Intel's
// signed TCB info, QE identity and CRLs that go-tdx-guest recorded for the
// platform of its recorded quote (tee/testdata/tdx_quote_v4.dat).
package tdxtest

import (
	"net/url"
	"strings"
	"time"

	tdxtesting "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"

	"github.com/phalanetwork/phala/tee"
)

// FMSPC is the platform family of the recorded quote and collateral.
const FMSPC = "50806f000000"

// Current is a time at which the collateral is current: TCB info issued
// 2023-06-18, QE identity 2023-06-08 and due again 2023-07-08.
var Current = time.Date(2023, time.July, 1, 1, 0, 0, 0, time.UTC)

// Collateral returns the recorded collateral in the chain's form, with
// Intel's recorded PCK platform CA CRL (current 2023-06-08 to 2023-07-08)
// and root CA CRL.
func Collateral() tee.TDXCollateral {
	return tee.TDXCollateral{
		TCBInfo: string(testdata.TcbInfoBody), TCBInfoIssuerChain: unescape(tdxtesting.TcbInfoHeader["Tcb-Info-Issuer-Chain"][0]),
		QEIdentity: string(testdata.QeIdentityBody), QEIdentityIssuerChain: unescape(tdxtesting.QeIdentityHeader["Sgx-Enclave-Identity-Issuer-Chain"][0]),
		CRLs: []tee.TDXCRL{
			{CRL: testdata.PckCrlBody, IssuerChain: unescape(tdxtesting.PckCrlHeader["Sgx-Pck-Crl-Issuer-Chain"][0])},
			{CRL: testdata.RootCrlBody},
		},
	}
}

// CRL serves Collateral's CRLs, as VerifyOptions.TDXCRL.
func CRL(issuer string) *tee.TDXCRL {
	return tee.TDXCRLs([]tee.TDXCollateral{Collateral()}, tee.TestRoots{}, Current)(issuer)
}

// Lookup serves Collateral for FMSPC, as VerifyOptions.TDXCollateral.
func Lookup(fmspc string) *tee.TDXCollateral {
	if fmspc != FMSPC {
		return nil
	}
	c := Collateral()
	return &c
}

// UnsignedUpToDate returns c with an unsigned "TcbInfo" key added after
// Intel's signed "tcbInfo", listing one UpToDate TCB level that every
// platform meets: what a proposer would add to make Go's case-insensitive
// JSON decoding read an out-of-date platform's status from unsigned levels.
func UnsignedUpToDate(c tee.TDXCollateral) tee.TDXCollateral {
	zeros := strings.TrimSuffix(strings.Repeat(`{"svn":0},`, 16), ",")
	body := strings.TrimSpace(c.TCBInfo)
	c.TCBInfo = body[:len(body)-1] + `,"TcbInfo":{"tcbLevels":[{"tcb":{"sgxtcbcomponents":[` + zeros + `],"pcesvn":0,"tdxtcbcomponents":[` + zeros +
		`]},"tcbDate":"2023-06-01T00:00:00Z","tcbStatus":"UpToDate"}]}}`
	return c
}

// unescape reads a PCS header value (URL-escaped PEM); go-tdx-guest's
// recorded headers are well-formed.
func unescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		panic("tdxtest: recorded issuer chain: " + err.Error())
	}
	return u
}
