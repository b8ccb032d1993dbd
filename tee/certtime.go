package tee

import (
	"crypto/x509"
	"fmt"
	"time"
)

// checkValidity returns an error wrapping ErrCertValidity naming the first
// certificate that is not valid at now.
func checkValidity(now time.Time, certs ...*x509.Certificate) error {
	for _, c := range certs {
		if c == nil {
			continue
		}
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return fmt.Errorf("%w: %q valid %s to %s, block time %s", ErrCertValidity,
				c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}
