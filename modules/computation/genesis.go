package computation

import (
	"encoding/json"
	"fmt"
)

// Genesis is the computation section of the genesis app state.
type Genesis struct {
	// Params are the economy's parameters; absent, DefaultParams.
	Params *Params `json:"params,omitempty"`
}

func parseGenesis(raw json.RawMessage) (Genesis, error) {
	var g Genesis
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &g); err != nil {
			return g, fmt.Errorf("%w: %v", ErrBadGenesis, err)
		}
	}
	if g.Params == nil {
		p := DefaultParams()
		g.Params = &p
	}
	return g, g.Params.Validate()
}
