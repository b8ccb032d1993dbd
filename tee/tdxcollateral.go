package tee

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
)

// TDXCollateral is Intel's signed collateral for one platform family
// (FMSPC), as Intel's PCS serves it: the TCB info and QE identity response
// bodies, byte for byte, and the issuer chains from the responses'
// headers (PEM, signing certificate then root), and the CRLs of the PCK
// chain. The chain keeps it in state; TDX quotes are checked against it
// offline. Either part may be missing (CRLs alone refresh the lists; fake
// hardware has CRLs but no TCB info), not both.
type TDXCollateral struct {
	TCBInfo               string `json:"tcb_info,omitempty"`
	TCBInfoIssuerChain    string `json:"tcb_info_issuer_chain,omitempty"`
	QEIdentity            string `json:"qe_identity,omitempty"`
	QEIdentityIssuerChain string `json:"qe_identity_issuer_chain,omitempty"`
	// CRLs are the PCK CRLs (platform and processor CA) and the root CA
	// CRL, and AMD's KDS CRLs for SEV-SNP; the chain keeps each under its
	// issuer (TDXCRLIssuer), not the FMSPC, as one list covers every
	// platform its CA certified.
	CRLs []TDXCRL `json:"crls,omitempty"`
}

// HasTCB reports whether c carries TCB info or a QE identity.
func (c TDXCollateral) HasTCB() bool {
	return c.TCBInfo != "" || c.TCBInfoIssuerChain != "" || c.QEIdentity != "" || c.QEIdentityIssuerChain != ""
}

// TCB is c without its CRLs: what the chain keeps under the FMSPC.
func (c TDXCollateral) TCB() TDXCollateral {
	c.CRLs = nil
	return c
}

// tcbSigningCN is the common name of Intel's TCB signing certificate.
const tcbSigningCN = "Intel SGX TCB Signing"

// CheckedTDXCollateral is what CheckTDXCollateral learns of a TCB part.
type CheckedTDXCollateral struct {
	// FMSPC is the platform family the TCB info is for (lower-case hex),
	// which is where the chain keeps it.
	FMSPC string
	// TCBInfo and QEIdentity place each body in Intel's sequence.
	TCBInfo, QEIdentity TCBIssue
}

// TCBIssue places a signed TCB body in Intel's sequence: the TCB
// evaluation it reflects (tcbEvaluationDataNumber, which Intel increments
// at each TCB recovery; it keeps signing older evaluations on request,
// with fresh issue dates) and when it was issued.
type TCBIssue struct {
	Evaluation int       `json:"evaluation"`
	Issued     time.Time `json:"issued"`
}

// ParseTDXCollateral reads c's TCB part without checking who signed it or
// when it is current: for collateral already checked (the chain's own).
func ParseTDXCollateral(c TDXCollateral) (CheckedTDXCollateral, error) {
	ck, _, _, err := parseTCB(c)
	return ck, err
}

// parseTCB parses both bodies of c's TCB part and their ids and FMSPC.
func parseTCB(c TDXCollateral) (CheckedTDXCollateral, pcs.TdxTcbInfo, pcs.QeIdentity, error) {
	var info pcs.TdxTcbInfo
	var qe pcs.QeIdentity
	if err := json.Unmarshal([]byte(c.TCBInfo), &info); err != nil {
		return CheckedTDXCollateral{}, info, qe, fmt.Errorf("%w: tcb info: %w", ErrTCBCollateral, err)
	}
	if err := json.Unmarshal([]byte(c.QEIdentity), &qe); err != nil {
		return CheckedTDXCollateral{}, info, qe, fmt.Errorf("%w: qe identity: %w", ErrTCBCollateral, err)
	}
	if info.TcbInfo.ID != "TDX" || qe.EnclaveIdentity.ID != "TD_QE" {
		return CheckedTDXCollateral{}, info, qe, fmt.Errorf("%w: ids %q and %q, want TDX and TD_QE", ErrTCBCollateral, info.TcbInfo.ID, qe.EnclaveIdentity.ID)
	}
	fmspc, err := hex.DecodeString(info.TcbInfo.Fmspc)
	if err != nil || len(fmspc) != 6 {
		return CheckedTDXCollateral{}, info, qe, fmt.Errorf("%w: fmspc %q is not 6 hex bytes", ErrTCBCollateral, info.TcbInfo.Fmspc)
	}
	return CheckedTDXCollateral{FMSPC: hex.EncodeToString(fmspc),
		TCBInfo:    TCBIssue{Evaluation: info.TcbInfo.TcbEvaluationDataNumber, Issued: info.TcbInfo.IssueDate},
		QEIdentity: TCBIssue{Evaluation: qe.EnclaveIdentity.TcbEvaluationDataNumber, Issued: qe.EnclaveIdentity.IssueDate}}, info, qe, nil
}

// CheckTDXCollateral checks that c's TCB part is Intel's (or, on a test
// network, signed under one of roots.Intel): both bodies parse, are signed
// by a TCB signing certificate chaining to the root, and are current at
// now.
func CheckTDXCollateral(c TDXCollateral, roots TestRoots, now time.Time) (CheckedTDXCollateral, error) {
	if err := checkSignedBody(c.TCBInfo, c.TCBInfoIssuerChain, "tcbInfo", roots, now); err != nil {
		return CheckedTDXCollateral{}, fmt.Errorf("%w: tcb info: %w", ErrTCBCollateral, err)
	}
	if err := checkSignedBody(c.QEIdentity, c.QEIdentityIssuerChain, "enclaveIdentity", roots, now); err != nil {
		return CheckedTDXCollateral{}, fmt.Errorf("%w: qe identity: %w", ErrTCBCollateral, err)
	}
	ck, info, qe, err := parseTCB(c)
	if err != nil {
		return CheckedTDXCollateral{}, err
	}
	if now.After(info.TcbInfo.NextUpdate) || now.After(qe.EnclaveIdentity.NextUpdate) {
		return CheckedTDXCollateral{}, fmt.Errorf("%w: expired (next updates %s and %s, now %s)", ErrTCBCollateral,
			info.TcbInfo.NextUpdate.Format(time.RFC3339), qe.EnclaveIdentity.NextUpdate.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return ck, nil
}

// Supersedes checks that c may replace held, the collateral the chain
// holds for the platform: neither body of c reflects an older TCB
// evaluation or was issued before held's (TCBIssue.NotBefore). An older TCB
// info or QE identity, though Intel's and current, may list as UpToDate a
// TCB level Intel has since downgraded; installing it would let those
// platforms register again.
func (c CheckedTDXCollateral) Supersedes(held CheckedTDXCollateral) error {
	if err := c.TCBInfo.NotBefore(held.TCBInfo, "tcb info"); err != nil {
		return err
	}
	return c.QEIdentity.NotBefore(held.QEIdentity, "qe identity")
}

// NotBefore checks that body i reflects no older TCB evaluation than held
// and was not issued before it.
func (i TCBIssue) NotBefore(held TCBIssue, body string) error {
	if i.Evaluation < held.Evaluation {
		return fmt.Errorf("%w: %s of TCB evaluation %d, below the %d the chain holds", ErrTCBCollateral, body, i.Evaluation, held.Evaluation)
	}
	if i.Issued.Before(held.Issued) {
		return fmt.Errorf("%w: %s issued %s, before the one the chain holds (issued %s)", ErrTCBCollateral, body,
			i.Issued.UTC().Format(time.RFC3339), held.Issued.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkSignedBody verifies one PCS response body: its field name holds the
// signed JSON and "signature" the signature over those exact bytes.
func checkSignedBody(body, chainPEM, name string, roots TestRoots, now time.Time) error {
	if err := onlyKeys(body, name); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	var sigHex string
	if err := json.Unmarshal(raw["signature"], &sigHex); err != nil || len(raw[name]) == 0 {
		return fmt.Errorf("body lacks %q or its signature", name)
	}
	signing, err := tcbSigningCert(chainPEM, roots, now)
	if err != nil {
		return err
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	der, err := tdxabi.SignatureToDER(sig)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if err := signing.CheckSignature(x509.ECDSAWithSHA256, raw[name], der); err != nil {
		return fmt.Errorf("not signed by Intel's TCB signing key: %w", err)
	}
	return nil
}

// onlyKeys checks that body is one JSON object whose keys are exactly
// name and "signature", each once. The signature covers one key's value, while Go's JSON
// decoder (and go-tdx-guest's, which reads the same body) matches keys
// case-insensitively and lets a later duplicate win: an unsigned
// "TcbInfo" beside the signed "tcbInfo" would be what the TCB status is
// read from.
func onlyKeys(body, name string) error {
	dec := json.NewDecoder(strings.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("body is not a JSON object")
	}
	var seen []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("body: %w", err)
		}
		key, _ := t.(string) // an object's tokens here are its keys
		if (key != name && key != "signature") || slices.Contains(seen, key) {
			return fmt.Errorf("body has key %q, want only %q and \"signature\"", key, name)
		}
		seen = append(seen, key)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("body has data after its object")
	}
	return nil
}

// tcbSigningCert parses an issuer chain and returns its TCB signing
// certificate once it chains to Intel's SGX root, or one of roots.Intel,
// at now. A test root can forge any PCK chain already, so letting it sign
// TCB info adds no trust; quotes that chain to Intel's root are checked
// against collateral only Intel signed (verifyTDX).
func tcbSigningCert(chainPEM string, roots TestRoots, now time.Time) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(chainPEM))
	if block == nil {
		return nil, fmt.Errorf("issuer chain is not PEM")
	}
	signing, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("issuer chain: %w", err)
	}
	if signing.Subject.CommonName != tcbSigningCN {
		return nil, fmt.Errorf("issuer chain starts with %q, want %q", signing.Subject.CommonName, tcbSigningCN)
	}
	pool, err := intelRootPool(roots.Intel)
	if err != nil {
		return nil, err
	}
	inter := x509.NewCertPool()
	for block, rest = pem.Decode(rest); block != nil; block, rest = pem.Decode(rest) {
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			inter.AddCert(c)
		}
	}
	if _, err := signing.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now}); err != nil {
		return nil, fmt.Errorf("%w: TCB signing certificate: %v", ErrUntrustedChain, err)
	}
	return signing, nil
}

// collateralGetter answers go-tdx-guest's collateral fetches from the
// collateral in chain state, and refuses every other URL: verification
// stays offline and deterministic.
type collateralGetter struct {
	fmspc string
	c     TDXCollateral
}

// Get implements the go-tdx-guest HTTPS getter.
func (g collateralGetter) Get(u string) (map[string][]string, []byte, error) {
	switch u {
	case pcs.TcbInfoURL(g.fmspc):
		return map[string][]string{pcs.TcbInfoIssuerChainPhrase: {url.QueryEscape(g.c.TCBInfoIssuerChain)}}, []byte(g.c.TCBInfo), nil
	case pcs.QeIdentityURL():
		return map[string][]string{pcs.SgxQeIdentityIssuerChainPhrase: {url.QueryEscape(g.c.QEIdentityIssuerChain)}}, []byte(g.c.QEIdentity), nil
	}
	return nil, nil, fmt.Errorf("tee: network access refused during on-chain verification (%s)", u)
}

// classifyTDXCollateralErr names the check behind a go-tdx-guest error
// from verification with collateral; the library formats its errors with
// %v, so its messages are all there is to go on.
func classifyTDXCollateralErr(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed TCB status check"):
		return fmt.Errorf("%w: tdx: %v", ErrTCBOutOfDate, err)
	case strings.Contains(msg, "collaterals obtained"), strings.Contains(msg, "response verification failed"),
		strings.Contains(msg, "Intel PCS's reported"), strings.Contains(msg, "QE Identity"):
		return fmt.Errorf("%w: tdx: %v", ErrTCBCollateral, err)
	}
	return fmt.Errorf("%w: tdx: %v", ErrUntrustedChain, err)
}
