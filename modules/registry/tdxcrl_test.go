package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestRegisterRevokedTDX is the attack: an operator whose TDX platform's
// PCK certificate Intel revoked (a compromised CPU, a leaked PCK key)
// registers a worker. On the fake TDX hardware, through the registry, the
// registration is refused naming the revocation while the chain's CRL
// lists the PCK; with an unrevoked PCK it registers; with no CRL, or
// once the CRL is past its nextUpdate, nothing registers.
func TestRegisterRevokedTDX(t *testing.T) {
	genesisTime := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) // apptest's
	for _, tc := range []struct {
		name  string
		o     teefake.CRLOptions
		noCRL bool
		later time.Duration
		want  string
	}{
		{name: "unrevoked"},
		{name: "revoked", o: teefake.CRLOptions{RevokePCK: true}, want: `certificate revoked: tdx: PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`},
		{name: "no crl", noCRL: true, want: `collateral missing, expired or not Intel's: tdx: the chain holds no CRL of "Intel SGX Root CA"`},
		{name: "expired crl", o: teefake.CRLOptions{NextUpdate: genesisTime.Add(time.Hour)}, later: 2 * time.Hour, want: "current 2020-01-01T00:00:00Z to 2026-11-22T01:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := apptest.FakeTDXRegistry(t, tc.o)
			if tc.noCRL {
				g.TDXCollateral = nil
			}
			c := apptest.New(t, []apptest.Account{operator}, map[string]any{registry.Name: g})
			c.Time = c.Time.Add(tc.later)
			c.Block()
			res := c.Deliver(operator, c.FakeTDXRegistration(t, operator))
			if tc.want == "" {
				apptest.ExpectCode(t, res, "", 0)
				return
			}
			apptest.ExpectCode(t, res, registry.Codespace, registry.ErrBadAttestation.Code)
			if !strings.Contains(res.Log, tc.want) {
				t.Fatalf("refused with %q, want %q", res.Log, tc.want)
			}
		})
	}
}

// TestGenesisTDXCRLChecked: a genesis CRL that no trusted root vouches
// for (the fake chain's, without its test root) or that is not current at
// genesis stops the chain from starting, naming the entry.
func TestGenesisTDXCRLChecked(t *testing.T) {
	for name, mutate := range map[string]func(*registry.Genesis){
		"untrusted root": func(g *registry.Genesis) { g.TestRoots = nil },
		"expired": func(g *registry.Genesis) {
			*g = apptest.FakeTDXRegistry(t, teefake.CRLOptions{NextUpdate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		},
	} {
		g := apptest.FakeTDXRegistry(t, teefake.CRLOptions{})
		mutate(&g)
		if _, err := apptest.Start(t, []apptest.Account{operator}, map[string]any{registry.Name: g}); err == nil || !strings.Contains(err.Error(), "tdx_collateral[0]: ") || !strings.Contains(err.Error(), "crls[") {
			t.Errorf("%s: genesis started: %v", name, err)
		}
	}
}
