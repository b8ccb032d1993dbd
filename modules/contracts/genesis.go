package contracts

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the module's genesis section.
type Genesis struct {
	Params *Params `json:"params,omitempty"`
}

// params returns the genesis parameters, DefaultParams when it names none,
// after checking them.
func (g Genesis) params() (Params, error) {
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	if p.MaxCodeSize <= 0 || p.MaxInputSize <= 0 || p.CommandGas == 0 {
		return p, fmt.Errorf("contracts genesis: max_code_size, max_input_size and command_gas must be positive")
	}
	return p, nil
}

func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("contracts genesis: %w", err)
	}
	p, err := g.params()
	if err != nil {
		return err
	}
	m.setParams(ctx.KV, p)
	return nil
}
