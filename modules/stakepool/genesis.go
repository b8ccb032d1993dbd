package stakepool

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the stakepool section of the genesis app state.
type Genesis struct {
	// Params; absent, DefaultParams.
	Params *Params `json:"params,omitempty"`
}

func parseGenesis(raw json.RawMessage) (Genesis, error) {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return g, fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	if g.Params == nil {
		p := DefaultParams()
		g.Params = &p
	}
	return g, g.Params.Validate()
}
