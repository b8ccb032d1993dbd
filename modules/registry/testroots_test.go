package registry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestTestRoots checks the genesis tee_test_roots: the fakes' roots go
// through the genesis form and back, and malformed ones are refused
// naming the entry.
func TestTestRoots(t *testing.T) {
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	back, err := registry.ParseTestRoots(registry.TestRootsOf(roots))
	if err != nil || len(back.Intel) != 1 || len(back.AMD) != 1 || !back.Intel[0].Equal(roots.Intel[0]) || !back.AMD[0].ARK.Equal(roots.AMD[0].ARK) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	good := registry.TestRootsOf(roots)
	for _, tc := range []struct {
		name string
		root registry.TestRoot
		want string
	}{
		{"not a certificate", registry.TestRoot{TEE: tee.KindTDX, Cert: []byte{1, 2}}, "tee_test_roots[0] cert"},
		{"sev-snp without ask", registry.TestRoot{TEE: tee.KindSEVSNP, ProductLine: "Milan", Cert: good[1].Cert}, "sev-snp needs product_line and a parsable ask"},
		{"sim", registry.TestRoot{TEE: tee.KindSim, Cert: good[0].Cert}, `has tee "sim"`},
	} {
		_, err := registry.ParseTestRoots([]registry.TestRoot{tc.root})
		if !errors.Is(err, registry.ErrBadGenesis) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
