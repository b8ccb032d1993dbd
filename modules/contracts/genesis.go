package contracts

import (
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the contracts section of the genesis app state: its params
// (DefaultParams when absent).
type Genesis = module.ParamsGenesis[Params]

// errGenesis words the errors of a genesis section that is refused.
var errGenesis = errors.New("contracts genesis")

// Validate checks params a genesis names.
func (p Params) Validate() error {
	if p.MaxCodeSize <= 0 || p.MaxInputSize <= 0 || p.CommandGas == 0 {
		return fmt.Errorf("%w: max_code_size, max_input_size and command_gas must be positive", errGenesis)
	}
	if p.FeeRefundBlocks <= 0 {
		return fmt.Errorf("%w: fee_refund_blocks %d must be positive: a held command fee goes back to its sender after it", errGenesis, p.FeeRefundBlocks)
	}
	if p.CommandWindowBlocks < 0 || p.RetainResultBlocks < 0 {
		return fmt.Errorf("%w: command_window_blocks %d and retain_result_blocks %d must not be negative (0 means the default)", errGenesis, p.CommandWindowBlocks, p.RetainResultBlocks)
	}
	return nil
}
