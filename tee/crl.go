package tee

import (
	"crypto/x509"
	"fmt"
	"math/big"
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

// CertRef names a certificate of a verified attestation's chain that a
// CA's CRL may revoke (Verified.Certs). The registry keeps them with the
// worker, so that a CRL the chain installs later retires the workers it
// revokes (CheckCertRefs), not only refuses new registrations.
type CertRef struct {
	// Issuer is the key of the CA whose CRL may list the certificate
	// (TDXCRLIssuer of the CA's certificate).
	Issuer string `json:"issuer"`
	// Serial is the certificate's serial number, in decimal.
	Serial string `json:"serial"`
	// What and Subject name the certificate in messages: "PCK
	// certificate", its subject's common name.
	What    string `json:"what"`
	Subject string `json:"subject"`
}

// ref is the CertRef of link.
func (link revocationLink) ref() CertRef {
	return CertRef{Issuer: TDXCRLIssuer(link.issuer), Serial: link.cert.SerialNumber.String(), What: link.what, Subject: link.cert.Subject.CommonName}
}

// checkRevoked refuses evidence of kind (for messages) one of whose links
// the CRL the chain holds of its issuer (VerifyOptions.TDXCRL) lists. A
// missing or expired CRL refuses the evidence too, as missing TCB info
// does: without it a revoked platform cannot be told apart. It returns
// the links as CertRefs for Verified.Certs.
func checkRevoked(kind string, links []revocationLink, o VerifyOptions) ([]CertRef, error) {
	refs := make([]CertRef, len(links))
	for i, link := range links {
		refs[i] = link.ref()
		var c *TDXCRL
		if o.TDXCRL != nil {
			c = o.TDXCRL(refs[i].Issuer)
		}
		if c == nil {
			return nil, fmt.Errorf("%w: %s: the chain holds no CRL of %q (issuer %s)", ErrTCBCollateral, kind, link.issuer.Subject.CommonName, refs[i].Issuer)
		}
		crl, err := ParseTDXCRL(c.CRL)
		if err != nil {
			return nil, err
		}
		if err := crl.CheckSignatureFrom(link.issuer); err != nil {
			return nil, fmt.Errorf("%w: %s: crl not signed by %q: %v", ErrTCBCollateral, kind, link.issuer.Subject.CommonName, err)
		}
		if err := crlCurrent(crl, o.Now); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		if err := revokedIn(crl, kind, refs[i:i+1]); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// CheckCertRefs returns an error wrapping ErrRevoked, worded as Verify's
// refusal, when crl, the CRL of the CA whose key is issuer (parsed once
// by the caller with ParseTDXCRL), lists one of refs, the certificates
// of an attestation of kind; refs of other CAs are not its to judge. The
// registry calls it on every worker when the chain installs a CRL; the
// CRL was checked then (CheckTDXCRL).
func CheckCertRefs(crl *x509.RevocationList, issuer string, kind Kind, refs []CertRef) error {
	var mine []CertRef
	for _, r := range refs {
		if r.Issuer == issuer {
			mine = append(mine, r)
		}
	}
	return revokedIn(crl, string(kind), mine)
}

// revokedIn refuses the first of refs that crl lists.
func revokedIn(crl *x509.RevocationList, kind string, refs []CertRef) error {
	for _, ref := range refs {
		serial, ok := new(big.Int).SetString(ref.Serial, 10)
		if !ok {
			return fmt.Errorf("%w: %s: %s serial %q is not a decimal number", ErrBadEvidence, kind, ref.What, ref.Serial)
		}
		for _, r := range crl.RevokedCertificateEntries {
			if r.SerialNumber != nil && r.SerialNumber.Cmp(serial) == 0 {
				return fmt.Errorf("%w: %s: %s %q serial %s revoked at %s by %q's CRL", ErrRevoked, kind, ref.What, ref.Subject,
					ref.Serial, r.RevocationTime.UTC().Format(time.RFC3339), crl.Issuer.CommonName)
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
