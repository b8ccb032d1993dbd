package teefake

import (
	"fmt"

	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sevsnp"
	"github.com/phalanetwork/phala/tee/tdx"
)

// Provider returns the kind's real provider over the fake hardware. TDX
// gets sealing (nil: none, as on a real TD without a key service);
// SEV-SNP seals with the fake secure processor's derived key.
func Provider(kind tee.Kind, o Options, sealing tee.SealingKeySource) (tee.Provider, error) {
	switch kind {
	case tee.KindTDX:
		c, err := TDXClient(o)
		if err != nil {
			return nil, err
		}
		return tdx.New(c, sealing)
	case tee.KindSEVSNP:
		c, err := SEVSNPClient(o)
		if err != nil {
			return nil, err
		}
		dk, err := SEVSNPDerivedKey(o)
		if err != nil {
			return nil, err
		}
		return sevsnp.New(sevsnp.Config{Client: c, Sealing: dk})
	}
	return nil, fmt.Errorf("teefake: no fake for tee %q", kind)
}

// Roots returns the roots of the fake chains, for a test genesis's
// tee_test_roots: the fake Intel root and the fake AMD ARK/ASK.
func Roots() (tee.TestRoots, error) {
	c, err := newTDXChain()
	if err != nil {
		return tee.TestRoots{}, err
	}
	s, err := newAMDSigner()
	if err != nil {
		return tee.TestRoots{}, err
	}
	return tee.TestRoots{
		Intel: c.rootCerts(),
		AMD:   []tee.AMDTestRoot{{ProductLine: sevProductLine, ARK: s.Ark, ASK: s.Ask}},
	}, nil
}
