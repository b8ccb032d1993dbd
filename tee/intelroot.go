package tee

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// intelSGXRootCAPEM is Intel's SGX Root CA, the root of trust of TDX quotes
// (SHA-256 fingerprint 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3,
// valid 2018-05-21 to 2049-12-31). It is byte-for-byte the trusted_root.pem
// that github.com/google/go-tdx-guest/verify embeds; passing it explicitly
// keeps that package from logging a warning on every verification.
const intelSGXRootCAPEM = `-----BEGIN CERTIFICATE-----
MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
-----END CERTIFICATE-----
`

// intelRoot parses Intel's SGX Root CA.
func intelRoot() (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(intelSGXRootCAPEM))
	if block == nil {
		return nil, fmt.Errorf("%w: embedded Intel SGX root is not PEM", ErrUntrustedChain)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: embedded Intel SGX root: %w", ErrUntrustedChain, err)
	}
	return cert, nil
}

// intelRootPool returns a fresh pool holding Intel's SGX Root CA and the
// given test roots (none on a chain that carries value).
func intelRootPool(test []*x509.Certificate) (*x509.CertPool, error) {
	cert, err := intelRoot()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	for _, c := range test {
		pool.AddCert(c)
	}
	return pool, nil
}

// isIntelRoot reports whether c is Intel's SGX root CA (the signatures up
// to it are checked by go-tdx-guest).
func isIntelRoot(c *x509.Certificate) bool {
	root, err := intelRoot()
	return err == nil && sameRoot(root, c)
}

// sameRoot reports whether a and b are the same root: the same name and
// key. The bytes may differ: a fake chain re-issues its root with a fresh
// (randomised ECDSA) signature.
func sameRoot(a, b *x509.Certificate) bool {
	return a != nil && b != nil && bytes.Equal(a.RawSubject, b.RawSubject) && bytes.Equal(a.RawSubjectPublicKeyInfo, b.RawSubjectPublicKeyInfo)
}
