package tee

import (
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// revocationLink is one certificate of an attestation's chain and the CA
// that issued it, whose CRL the chain keeps.
type revocationLink struct {
	cert, issuer *x509.Certificate
	// what names cert in messages, e.g. "PCK certificate".
	what string
}

// checkRevoked refuses evidence of kind (for messages) one of whose links
// the CRL the chain holds of its issuer (VerifyOptions.TDXCRL) lists. A
// missing or expired CRL refuses the evidence too, as missing TCB info
// does: without it a revoked platform cannot be told apart.
func checkRevoked(kind string, links []revocationLink, o VerifyOptions) error {
	for _, link := range links {
		key := TDXCRLIssuer(link.issuer)
		var c *TDXCRL
		if o.TDXCRL != nil {
			c = o.TDXCRL(key)
		}
		if c == nil {
			return fmt.Errorf("%w: %s: the chain holds no CRL of %q (issuer %s)", ErrTCBCollateral, kind, link.issuer.Subject.CommonName, key)
		}
		crl, err := ParseTDXCRL(c.CRL)
		if err != nil {
			return err
		}
		if err := crl.CheckSignatureFrom(link.issuer); err != nil {
			return fmt.Errorf("%w: %s: crl not signed by %q: %v", ErrTCBCollateral, kind, link.issuer.Subject.CommonName, err)
		}
		if err := crlCurrent(crl, o.Now); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		for _, r := range crl.RevokedCertificateEntries {
			if r.SerialNumber != nil && r.SerialNumber.Cmp(link.cert.SerialNumber) == 0 {
				return fmt.Errorf("%w: %s: %s %q serial %s revoked at %s by %q's CRL", ErrRevoked, kind, link.what, link.cert.Subject.CommonName,
					link.cert.SerialNumber, r.RevocationTime.UTC().Format(time.RFC3339), link.issuer.Subject.CommonName)
			}
		}
	}
	return nil
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

// KeepsRevoked checks that crl, proposed to replace held as the CRL of
// the CA whose key is issuer (TDXCRLIssuer), still lists every trusted
// AMD intermediate (ASK, ASVK) under that key which held lists. AMD
// serves two lists under each ARK, the VCEK list (of ASKs) and the VLEK
// list (of ASVKs), which the chain keeps in one place: the other list,
// though newer and the ARK's, must not un-revoke an ASK. AMD does not
// drop a revoked intermediate from its list while the intermediate is
// valid (25 years), so a genuine update always passes.
func KeepsRevoked(crl, held TDXCRL, issuer string, roots TestRoots) error {
	next, err := ParseTDXCRL(crl.CRL)
	if err != nil {
		return err
	}
	prev, err := ParseTDXCRL(held.CRL)
	if err != nil {
		return err
	}
	amd, err := roots.amdRoots()
	if err != nil {
		return err
	}
	for _, r := range amd {
		if TDXCRLIssuer(r.ProductCerts.Ark) != issuer {
			continue
		}
		for _, ica := range []*x509.Certificate{r.ProductCerts.Ask, r.ProductCerts.Asvk} {
			if ica != nil && lists(prev, ica) && !lists(next, ica) {
				return fmt.Errorf("%w: crl of %q does not list %q serial %s, which the CRL the chain holds revokes", ErrTCBCollateral,
					r.ProductCerts.Ark.Subject.CommonName, ica.Subject.CommonName, ica.SerialNumber)
			}
		}
	}
	return nil
}

// lists reports whether crl revokes cert's serial number.
func lists(crl *x509.RevocationList, cert *x509.Certificate) bool {
	return slices.ContainsFunc(crl.RevokedCertificateEntries, func(r x509.RevocationListEntry) bool {
		return r.SerialNumber != nil && r.SerialNumber.Cmp(cert.SerialNumber) == 0
	})
}
