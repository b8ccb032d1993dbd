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

// initGenesis stores the genesis params (DefaultParams when absent) after
// checking them.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	p, err := module.DecodeParams(raw, DefaultParams)
	if err != nil {
		return fmt.Errorf("contracts genesis: %w", err)
	}
	if p.MaxCodeSize <= 0 || p.MaxInputSize <= 0 || p.CommandGas == 0 {
		return fmt.Errorf("contracts genesis: max_code_size, max_input_size and command_gas must be positive")
	}
	m.setParams(ctx.KV, p)
	return nil
}
