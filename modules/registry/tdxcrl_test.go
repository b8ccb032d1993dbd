package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// revocationCase is one registration on fake hardware against the CRLs
// o makes, at later past genesis; want is in the refusal, empty to
// register.
type revocationCase struct {
	name  string
	o     teefake.CRLOptions
	noCRL bool
	later time.Duration
	want  string
}

// genesisTime is apptest's genesis time.
var genesisTime = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// TestRegisterRevokedTDX is the attack: an operator whose TDX platform's
// PCK certificate Intel revoked (a compromised CPU, a leaked PCK key)
// registers a worker. On the fake TDX hardware, through the registry, the
// registration is refused naming the revocation while the chain's CRL
// lists the PCK; with an unrevoked PCK it registers; with no CRL, or
// once the CRL is past its nextUpdate, nothing registers.
func TestRegisterRevokedTDX(t *testing.T) {
	testRegisterRevoked(t, tee.KindTDX, []revocationCase{
		{name: "unrevoked"},
		{name: "revoked", o: teefake.CRLOptions{RevokePCK: true}, want: `certificate revoked: tdx: PCK certificate "Intel SGX PCK Certificate" serial 3 revoked`},
		{name: "no crl", noCRL: true, want: `collateral missing, expired or not the vendor's: tdx: the chain holds no CRL of "Intel SGX Root CA"`},
		{name: "expired crl", o: teefake.CRLOptions{NextUpdate: genesisTime.Add(time.Hour)}, later: 2 * time.Hour, want: "current 2020-01-01T00:00:00Z to 2026-11-22T01:00:00Z"},
	})
}

// TestRegisterRevokedSEVSNP is the attack on AMD's side: an operator
// whose SEV-SNP platform's ASK AMD revoked registers a worker. On the
// fake SEV-SNP hardware, through the registry, the registration is
// refused naming the revocation while the chain's CRL of the ARK lists
// the ASK; unrevoked it registers; with no CRL of the ARK, or once it is
// past its nextUpdate, nothing registers.
func TestRegisterRevokedSEVSNP(t *testing.T) {
	testRegisterRevoked(t, tee.KindSEVSNP, []revocationCase{
		{name: "unrevoked"},
		{name: "revoked", o: teefake.CRLOptions{RevokeASK: true}, want: `certificate revoked: sev-snp: ASK "SEV-Milan" serial 3235823838 revoked`},
		{name: "no crl", noCRL: true, want: `collateral missing, expired or not the vendor's: sev-snp: the chain holds no CRL of "ARK-Milan"`},
		{name: "expired crl", o: teefake.CRLOptions{NextUpdate: genesisTime.Add(time.Hour)}, later: 2 * time.Hour, want: "current 2024-01-01T00:00:00Z to 2026-11-22T01:00:00Z"},
	})
}

// testRegisterRevoked runs each case on kind's fake hardware.
func testRegisterRevoked(t *testing.T, kind tee.Kind, cases []revocationCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := apptest.FakeTDXRegistry(t, tc.o)
			if kind == tee.KindSEVSNP {
				g = apptest.FakeSEVSNPRegistry(t, tc.o)
			}
			if tc.noCRL {
				g.TDXCollateral = nil
			}
			c := apptest.New(t, []apptest.Account{operator}, map[string]any{registry.Name: g})
			c.Time = c.Time.Add(tc.later)
			c.Block()
			msg := c.FakeTDXRegistration(t, operator)
			if kind == tee.KindSEVSNP {
				msg = c.FakeSEVSNPRegistration(t, operator)
			}
			res := c.Deliver(operator, msg)
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
// genesis stops the chain from starting, naming the entry; for the fake
// Intel chain's CRLs and the fake ARK's alike.
func TestGenesisTDXCRLChecked(t *testing.T) {
	for _, kind := range []tee.Kind{tee.KindTDX, tee.KindSEVSNP} {
		fake := apptest.FakeTDXRegistry
		if kind == tee.KindSEVSNP {
			fake = apptest.FakeSEVSNPRegistry
		}
		for name, mutate := range map[string]func(*registry.Genesis){
			"untrusted root": func(g *registry.Genesis) { g.TestRoots = nil },
			"expired": func(g *registry.Genesis) {
				*g = fake(t, teefake.CRLOptions{NextUpdate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
			},
		} {
			g := fake(t, teefake.CRLOptions{})
			mutate(&g)
			if _, err := apptest.Start(t, []apptest.Account{operator}, map[string]any{registry.Name: g}); err == nil || !strings.Contains(err.Error(), "tdx_collateral[0]: ") || !strings.Contains(err.Error(), "crls[") {
				t.Errorf("%s %s: genesis started: %v", kind, name, err)
			}
		}
	}
}
