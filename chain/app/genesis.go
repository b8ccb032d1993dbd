package app

import (
	"encoding/json"
	"fmt"
)

// GenesisState is the app_state of CometBFT's genesis.json: the app's
// params, then one section per module, keyed by module name.
type GenesisState map[string]json.RawMessage

// SectionParams is the key of the app's own parameters in GenesisState.
const SectionParams = "params"

// NewGenesisState builds an app state from params and module sections.
func NewGenesisState(p Params, sections map[string]any) (GenesisState, error) {
	g := GenesisState{}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	g[SectionParams] = raw
	for name, s := range sections {
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("genesis section %s: %w", name, err)
		}
		g[name] = raw
	}
	return g, nil
}
