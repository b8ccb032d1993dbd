package tee

import (
	"crypto/x509"
	"fmt"
	"slices"

	"github.com/google/go-sev-guest/verify/trust"
)

// TestRoots are extra roots of trust for the hardware verifiers, for test
// networks whose workers run over the providers' fakes (package
// tee/teefake). Only a genesis document may list them; a chain that carries
// value never does, since whoever holds a test root's key can forge
// attestations.
type TestRoots struct {
	// Intel are self-signed roots a TDX PCK chain may end in, besides
	// Intel's SGX Root CA.
	Intel []*x509.Certificate
	// AMD are ARK/ASK pairs an SEV-SNP VCEK may chain to, besides AMD's.
	AMD []AMDTestRoot
}

// AMDTestRoot is one test ARK and the ASK it signed, for one product line.
type AMDTestRoot struct {
	// ProductLine is the CPU product line, e.g. "Milan".
	ProductLine string
	ARK, ASK    *x509.Certificate
}

// hasIntel reports whether root is one of r's Intel test roots.
func (r TestRoots) hasIntel(root *x509.Certificate) bool {
	return slices.ContainsFunc(r.Intel, func(c *x509.Certificate) bool { return sameRoot(c, root) })
}

// Empty reports whether r adds no root.
func (r TestRoots) Empty() bool { return len(r.Intel) == 0 && len(r.AMD) == 0 }

// sevRoots returns the AMD roots the SEV-SNP verifier trusts: nil (the
// go-sev-guest default, AMD's embedded roots) without test roots, else
// AMD's roots of every product line plus the test roots.
func (r TestRoots) sevRoots() (map[string][]*trust.AMDRootCerts, error) {
	if len(r.AMD) == 0 {
		return nil, nil
	}
	all, err := r.amdRoots()
	if err != nil {
		return nil, err
	}
	out := map[string][]*trust.AMDRootCerts{}
	for _, root := range all {
		out[root.ProductLine] = append(out[root.ProductLine], root)
	}
	return out, nil
}

// amdRoots returns every AMD root the verifiers trust, in a fixed order:
// AMD's bundled ARK/ASK pairs by product line, then r's test roots in
// genesis order.
func (r TestRoots) amdRoots() ([]*trust.AMDRootCerts, error) {
	var out []*trust.AMDRootCerts
	for _, line := range []string{"Milan", "Genoa", "Turin"} {
		root, err := trust.GetDefaultRootCerts(line)
		if err != nil {
			return nil, fmt.Errorf("%w: AMD %s roots: %w", ErrUntrustedChain, line, err)
		}
		out = append(out, root)
	}
	for _, t := range r.AMD {
		if t.ARK == nil || t.ASK == nil {
			return nil, fmt.Errorf("%w: AMD test root for %q lacks its ARK or ASK", ErrUntrustedChain, t.ProductLine)
		}
		out = append(out, &trust.AMDRootCerts{
			ProductLine:  t.ProductLine,
			ProductCerts: &trust.ProductCerts{Ark: t.ARK, Ask: t.ASK},
		})
	}
	return out, nil
}
