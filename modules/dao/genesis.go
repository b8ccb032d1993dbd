package dao

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the dao section of the genesis app state.
type Genesis struct {
	// Params, absent: DefaultParams.
	Params *Params `json:"params,omitempty"`
}

func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	m.Keeper.SetParams(ctx.KV, p)
	return nil
}
