package agents

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the module's genesis section.
type Genesis struct {
	Params *Params `json:"params,omitempty"`
}

// params returns the genesis parameters, DefaultParams when it names none,
// with defaults filled in, after checking them.
func (g Genesis) params() (Params, error) {
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	p = p.withDefaults()
	if p.TreasuryBps > 10_000 || p.MaxSecrets <= 0 {
		return p, fmt.Errorf("agents genesis: treasury_bps at most 10000 and max_secrets positive")
	}
	if p.ReceiptWindow < MinReceiptWindow || p.ReceiptWindow > math.MaxInt64/1000 {
		return p, fmt.Errorf("agents genesis: receipt_window_s %d, want at least %d", p.ReceiptWindow, MinReceiptWindow)
	}
	return p, nil
}

func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("agents genesis: %w", err)
	}
	p, err := g.params()
	if err != nil {
		return err
	}
	m.setParams(ctx.KV, p)
	return nil
}
