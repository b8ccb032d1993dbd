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

// initGenesis stores the genesis params (DefaultParams when absent) with
// defaults filled in, after checking them.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	p, err := module.DecodeParams(raw, DefaultParams)
	if err != nil {
		return fmt.Errorf("agents genesis: %w", err)
	}
	p = p.withDefaults()
	if p.TreasuryBps > 10_000 || p.MaxSecrets <= 0 {
		return fmt.Errorf("agents genesis: treasury_bps at most 10000 and max_secrets positive")
	}
	if p.ReceiptWindow < MinReceiptWindow || p.ReceiptWindow > math.MaxInt64/1000 {
		return fmt.Errorf("agents genesis: receipt_window_s %d, want at least %d", p.ReceiptWindow, MinReceiptWindow)
	}
	m.setParams(ctx.KV, p)
	return nil
}
