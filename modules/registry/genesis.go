package registry

import (
	"crypto/x509"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/tee"
)

// Genesis is the registry section of the genesis app state.
type Genesis struct {
	Params Params `json:"params"`
	// TDXCollateral is Intel's TCB collateral per platform, and the CRLs
	// of the PCK chain and of AMD's ARKs, the chain starts with; the DAO
	// updates both (set_tdx_collateral).
	TDXCollateral []tee.TDXCollateral `json:"tdx_collateral,omitempty"`
	// TestRoots are roots of trust for fake TEE hardware (tee/teefake),
	// trusted besides Intel's and AMD's. Only a test network sets them:
	// their keys are public, so they let anyone forge attestations. Unlike
	// Params, nothing after genesis can change them.
	TestRoots []TestRoot `json:"tee_test_roots,omitempty"`
}

// TestRoot is one root of trust for fake TEE hardware.
type TestRoot struct {
	// TEE is tdx (Cert is an Intel-style root CA) or sev-snp (Cert is an
	// ARK, ASK the ASK it signed, for ProductLine).
	TEE         tee.Kind `json:"tee"`
	ProductLine string   `json:"product_line,omitempty"`
	Cert        HexBytes `json:"cert"`
	ASK         HexBytes `json:"ask,omitempty"`
}

// ParseTestRoots turns genesis test roots into the verifier's form.
func ParseTestRoots(roots []TestRoot) (tee.TestRoots, error) {
	var out tee.TestRoots
	for i, r := range roots {
		cert, err := x509.ParseCertificate(r.Cert)
		if err != nil {
			return out, fmt.Errorf("%w: tee_test_roots[%d] cert: %v", ErrBadGenesis, i, err)
		}
		switch r.TEE {
		case tee.KindTDX:
			out.Intel = append(out.Intel, cert)
		case tee.KindSEVSNP:
			ask, err := x509.ParseCertificate(r.ASK)
			if err != nil || r.ProductLine == "" {
				return out, fmt.Errorf("%w: tee_test_roots[%d]: sev-snp needs product_line and a parsable ask (%v)", ErrBadGenesis, i, err)
			}
			out.AMD = append(out.AMD, tee.AMDTestRoot{ProductLine: r.ProductLine, ARK: cert, ASK: ask})
		default:
			return out, fmt.Errorf("%w: tee_test_roots[%d] has tee %q, want tdx or sev-snp", ErrBadGenesis, i, r.TEE)
		}
	}
	return out, nil
}

// TestRootsOf returns roots in genesis form.
func TestRootsOf(roots tee.TestRoots) []TestRoot {
	var out []TestRoot
	for _, c := range roots.Intel {
		out = append(out, TestRoot{TEE: tee.KindTDX, Cert: c.Raw})
	}
	for _, a := range roots.AMD {
		out = append(out, TestRoot{TEE: tee.KindSEVSNP, ProductLine: a.ProductLine, Cert: a.ARK.Raw, ASK: a.ASK.Raw})
	}
	return out
}

// DefaultMaxAttestationAge is about five minutes of one-second blocks.
const DefaultMaxAttestationAge = 300

func parseGenesis(raw json.RawMessage) (Genesis, error) {
	g := Genesis{Params: Params{MaxAttestationAge: DefaultMaxAttestationAge}}
	if len(raw) == 0 || string(raw) == "null" {
		return g, nil // no TEEs trusted: nothing can register
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return g, fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	if _, err := ParseTestRoots(g.TestRoots); err != nil {
		return g, err
	}
	return g, g.Params.Validate()
}

// initGenesis stores the params; an absent section trusts no TEE.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	m.Keeper.SetParams(ctx.KV, g.Params)
	// Test roots first: a test network's CRLs are signed by them.
	if len(g.TestRoots) > 0 {
		ctx.KV.Set(keyTestRoots, state.EncodeJSON(g.TestRoots))
	}
	for i, c := range g.TDXCollateral {
		if err := m.SetTDXCollateral(ctx, c); err != nil {
			return fmt.Errorf("%w: tdx_collateral[%d]: %v", ErrBadGenesis, i, err)
		}
	}
	return nil
}
