package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
)

// Genesis is the agents section of the genesis app state: its params
// (DefaultParams when absent).
type Genesis = module.ParamsGenesis[Params]

// errGenesis words the errors of a genesis section that is refused.
var errGenesis = errors.New("agents genesis")

// initGenesis stores the genesis params (DefaultParams when absent) with
// defaults filled in, after checking them.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	return module.InitParams(ctx.KV, raw, DefaultParams, errGenesis, func(kv state.KV, p Params) {
		m.setParams(kv, p.withDefaults())
	})
}

// Validate checks params a genesis names, with defaults filled in.
func (p Params) Validate() error {
	p = p.withDefaults()
	if p.TreasuryBps > 10_000 || p.MaxSecrets <= 0 {
		return fmt.Errorf("%w: treasury_bps at most 10000 and max_secrets positive", errGenesis)
	}
	if p.ReceiptWindow < MinReceiptWindow || p.ReceiptWindow > math.MaxInt64/1000 {
		return fmt.Errorf("%w: receipt_window_s %d, want at least %d", errGenesis, p.ReceiptWindow, MinReceiptWindow)
	}
	if p.HoldBlocks < 0 {
		return fmt.Errorf("%w: hold_blocks %d, want positive", errGenesis, p.HoldBlocks)
	}
	return nil
}
