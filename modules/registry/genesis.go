package registry

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the registry section of the genesis app state.
type Genesis struct {
	Params Params `json:"params"`
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
	return nil
}
