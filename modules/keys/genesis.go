package keys

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
)

// Genesis is the keys section of the genesis app state.
type Genesis struct {
	// Authority is a bootstrapping key authority for devnets and tests: it
	// may add gatekeepers and start rotations alongside the DAO. A chain
	// that carries value leaves it out, and then only the DAO can.
	Authority address.Address `json:"authority"`
	// Params govern rotation and the bond; absent, DefaultParams. A zero
	// unbond_delay takes DefaultUnbondDelay.
	Params *Params `json:"params,omitempty"`
	// GatekeeperOperators are the genesis gatekeepers: the first worker
	// each of these accounts registers becomes a gatekeeper, in the order
	// they register. (Worker ids do not exist before the enclaves start.)
	GatekeeperOperators []address.Address `json:"gatekeeper_operators,omitempty"`
}

// initGenesis stores the genesis authority, the params and the genesis
// gatekeeper operators.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	if !g.Authority.IsZero() {
		m.Keeper.setAuthority(ctx.KV, g.Authority)
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
		if p.UnbondDelay == 0 {
			p.UnbondDelay = DefaultUnbondDelay
		}
	}
	if err := m.Keeper.SetParams(ctx.KV, p); err != nil {
		return err
	}
	if len(g.GatekeeperOperators) > 0 {
		m.Keeper.setGenesisOperators(ctx.KV, g.GatekeeperOperators)
	}
	return nil
}
