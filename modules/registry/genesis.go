package registry

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/tee"
)

// Genesis is the registry section of the genesis app state.
type Genesis struct {
	Params Params `json:"params"`
	// TDXCollateral is Intel's TCB collateral per platform the chain
	// starts with; the DAO updates it (set_tdx_collateral).
	TDXCollateral []tee.TDXCollateral `json:"tdx_collateral,omitempty"`
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
	return g, g.Params.Validate()
}

// initGenesis stores the params; an absent section trusts no TEE.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	m.Keeper.SetParams(ctx.KV, g.Params)
	for i, c := range g.TDXCollateral {
		if err := m.Keeper.SetTDXCollateral(ctx, c); err != nil {
			return fmt.Errorf("%w: tdx_collateral[%d]: %v", ErrBadGenesis, i, err)
		}
	}
	return nil
}
