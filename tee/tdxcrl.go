package tee

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"time"

	tdxverify "github.com/google/go-tdx-guest/verify"
)

// TDXCRL is a certificate revocation list of a hardware vendor's chain,
// as the vendor serves it: Intel's PCK CRL (PCS pckcrl?ca=platform or
// ca=processor) with its Sgx-Pck-Crl-Issuer-Chain header, Intel's root CA
// CRL (IntelSGXRootCA.der), or AMD's KDS CRL of a product line
// (vcek/v1/{Milan,Genoa,Turin}/crl), which lists revoked ASKs; the last
// two are issued by a root (the SGX root, an ARK) and so have no chain.
// The name is historical: TDX collateral carried CRLs first.
type TDXCRL struct {
	// CRL is the response body byte for byte, DER or PEM.
	CRL []byte `json:"crl"`
	// IssuerChain is PEM, the CRL's issuer then up to the root; empty
	// when a trusted root issued the CRL itself.
	IssuerChain string `json:"issuer_chain,omitempty"`
}

// MaxTDXCRLSize bounds one CRL: Intel's are a few kilobytes; the bound
// keeps a proposal from filling state.
const MaxTDXCRLSize = 256 << 10

// TDXCRLIssuer is the key under which the chain keeps the CRL that cert
// issues: SHA-256 of its public key, lower-case hex. Keyed by key, not
// name, a test root's CRL never takes the place of Intel's.
func TDXCRLIssuer(cert *x509.Certificate) string {
	h := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(h[:])
}

// ParseTDXCRL parses a CRL body, DER or PEM ("X509 CRL").
func ParseTDXCRL(body []byte) (*x509.RevocationList, error) {
	if len(body) == 0 || len(body) > MaxTDXCRLSize {
		return nil, fmt.Errorf("%w: crl is %d bytes, want 1 to %d", ErrTCBCollateral, len(body), MaxTDXCRLSize)
	}
	der := body
	if b, rest := pem.Decode(body); b != nil {
		if b.Type != "X509 CRL" || len(bytes.TrimSpace(rest)) != 0 {
			return nil, fmt.Errorf("%w: crl PEM block %q, want one \"X509 CRL\"", ErrTCBCollateral, b.Type)
		}
		der = b.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("%w: crl: %w", ErrTCBCollateral, err)
	}
	return crl, nil
}

// CheckedTDXCRL is what CheckTDXCRL learns of a CRL.
type CheckedTDXCRL struct {
	// Issuer is where the chain keeps it (TDXCRLIssuer of its issuer).
	Issuer string
	// ThisUpdate is when it was issued: a newer CRL replaces an older one,
	// never the reverse, so an old list cannot un-revoke a certificate.
	ThisUpdate time.Time
}

// CheckTDXCRL checks that c is signed by a CA chaining to Intel's SGX root
// (or, on a test network, to one of roots.Intel), or with no issuer chain
// by an AMD ARK go-sev-guest bundles (or one of roots.AMD), valid at now,
// and is current (thisUpdate <= now <= nextUpdate).
func CheckTDXCRL(c TDXCRL, roots TestRoots, now time.Time) (CheckedTDXCRL, error) {
	crl, err := ParseTDXCRL(c.CRL)
	if err != nil {
		return CheckedTDXCRL{}, err
	}
	issuer, err := tdxCRLIssuer(crl, c.IssuerChain, roots, now)
	if err != nil {
		return CheckedTDXCRL{}, err
	}
	if err := crlCurrent(crl, now); err != nil {
		return CheckedTDXCRL{}, err
	}
	return CheckedTDXCRL{Issuer: TDXCRLIssuer(issuer), ThisUpdate: crl.ThisUpdate}, nil
}

// tdxCRLIssuer returns the certificate that signed crl: the first of
// chainPEM, which must chain to a trusted Intel root at now, or with no
// chain the trusted root (Intel's or an AMD ARK) whose key verifies it.
func tdxCRLIssuer(crl *x509.RevocationList, chainPEM string, roots TestRoots, now time.Time) (*x509.Certificate, error) {
	pool, err := intelRootPool(roots.Intel)
	if err != nil {
		return nil, err
	}
	if chainPEM == "" {
		trusted, err := crlRoots(roots)
		if err != nil {
			return nil, err
		}
		for _, r := range trusted {
			if crl.CheckSignatureFrom(r) == nil {
				return r, checkValidity(now, r)
			}
		}
		return nil, fmt.Errorf("%w: crl of %q has no issuer chain and no trusted root signed it", ErrUntrustedChain, crl.Issuer)
	}
	var certs []*x509.Certificate
	for b, rest := pem.Decode([]byte(chainPEM)); b != nil; b, rest = pem.Decode(rest) {
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: crl issuer chain: %w", ErrTCBCollateral, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: crl issuer chain is not PEM", ErrTCBCollateral)
	}
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%w: crl issuer %q: %v", ErrUntrustedChain, certs[0].Subject, err)
	}
	if err := crl.CheckSignatureFrom(certs[0]); err != nil {
		return nil, fmt.Errorf("%w: crl not signed by its issuer %q: %v", ErrUntrustedChain, certs[0].Subject, err)
	}
	return certs[0], nil
}

// crlRoots are the roots that may issue a CRL themselves: Intel's SGX
// root, roots.Intel, then every trusted AMD ARK (TestRoots.amdRoots).
func crlRoots(roots TestRoots) ([]*x509.Certificate, error) {
	intel, err := intelRoot()
	if err != nil {
		return nil, err
	}
	amd, err := roots.amdRoots()
	if err != nil {
		return nil, err
	}
	out := append([]*x509.Certificate{intel}, roots.Intel...)
	for _, r := range amd {
		out = append(out, r.ProductCerts.Ark)
	}
	return out, nil
}

// checkTDXRevocation refuses a PCK chain one of whose certificates the
// chain's CRLs revoke: the PCK certificate by its CA's CRL, the CA by the
// root CA CRL. It returns both as CertRefs.
func checkTDXRevocation(chain *tdxverify.PCKCertificateChain, o VerifyOptions) ([]CertRef, error) {
	return checkRevoked("tdx", []revocationLink{
		{chain.IntermediateCertificate, chain.RootCertificate, "PCK CA certificate"},
		{chain.PCKCertificate, chain.IntermediateCertificate, "PCK certificate"},
	}, o)
}

// TDXCRLs returns a VerifyOptions.TDXCRL over the CRLs in cs that pass
// CheckTDXCRL at now: for verifiers that hold collateral as a list (a
// genesis document, a test), not in chain state.
func TDXCRLs(cs []TDXCollateral, roots TestRoots, now time.Time) func(issuer string) *TDXCRL {
	return func(issuer string) *TDXCRL {
		for _, c := range cs {
			for i, crl := range c.CRLs {
				if ck, err := CheckTDXCRL(crl, roots, now); err == nil && ck.Issuer == issuer {
					return &c.CRLs[i]
				}
			}
		}
		return nil
	}
}
