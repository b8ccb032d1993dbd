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

// TDXCRL is a certificate revocation list of Intel's PCK chain, as Intel
// serves it: a PCK CRL (PCS pckcrl?ca=platform or ca=processor) with its
// Sgx-Pck-Crl-Issuer-Chain header, or the root CA CRL
// (IntelSGXRootCA.der), which the root issues and which so has no chain.
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
// (or, on a test network, to one of roots.Intel) at now and is current
// (thisUpdate <= now <= nextUpdate).
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
// chainPEM, which must chain to a trusted root at now, or with no chain
// the trusted root whose key verifies it.
func tdxCRLIssuer(crl *x509.RevocationList, chainPEM string, roots TestRoots, now time.Time) (*x509.Certificate, error) {
	pool, err := intelRootPool(roots.Intel)
	if err != nil {
		return nil, err
	}
	if chainPEM == "" {
		intel, err := intelRoot()
		if err != nil {
			return nil, err
		}
		for _, r := range append([]*x509.Certificate{intel}, roots.Intel...) {
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

// crlCurrent refuses a CRL issued after now or due before it: an expired
// list may miss a revocation since.
func crlCurrent(crl *x509.RevocationList, now time.Time) error {
	if now.Before(crl.ThisUpdate) || crl.NextUpdate.IsZero() || now.After(crl.NextUpdate) {
		return fmt.Errorf("%w: crl of %q current %s to %s, block time %s", ErrTCBCollateral, crl.Issuer,
			crl.ThisUpdate.UTC().Format(time.RFC3339), crl.NextUpdate.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkTDXRevocation refuses a PCK chain one of whose certificates the
// chain's CRLs revoke: the PCK certificate by its CA's CRL, the CA by the
// root CA CRL. A missing or expired CRL refuses the quote too, as missing
// TCB info does: without it a revoked platform cannot be told apart.
func checkTDXRevocation(chain *tdxverify.PCKCertificateChain, o VerifyOptions) error {
	for _, link := range []struct {
		cert, issuer *x509.Certificate
		what         string
	}{
		{chain.IntermediateCertificate, chain.RootCertificate, "PCK CA certificate"},
		{chain.PCKCertificate, chain.IntermediateCertificate, "PCK certificate"},
	} {
		key := TDXCRLIssuer(link.issuer)
		var c *TDXCRL
		if o.TDXCRL != nil {
			c = o.TDXCRL(key)
		}
		if c == nil {
			return fmt.Errorf("%w: tdx: the chain holds no CRL of %q (issuer %s)", ErrTCBCollateral, link.issuer.Subject.CommonName, key)
		}
		crl, err := ParseTDXCRL(c.CRL)
		if err != nil {
			return err
		}
		if err := crl.CheckSignatureFrom(link.issuer); err != nil {
			return fmt.Errorf("%w: tdx: crl not signed by %q: %v", ErrTCBCollateral, link.issuer.Subject.CommonName, err)
		}
		if err := crlCurrent(crl, o.Now); err != nil {
			return fmt.Errorf("tdx: %w", err)
		}
		for _, r := range crl.RevokedCertificateEntries {
			if r.SerialNumber != nil && r.SerialNumber.Cmp(link.cert.SerialNumber) == 0 {
				return fmt.Errorf("%w: tdx: %s %q serial %s revoked at %s by %q's CRL", ErrRevoked, link.what, link.cert.Subject.CommonName,
					link.cert.SerialNumber, r.RevocationTime.UTC().Format(time.RFC3339), link.issuer.Subject.CommonName)
			}
		}
	}
	return nil
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
