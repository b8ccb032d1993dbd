package stakepool

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// Genesis is the stakepool section of the genesis app state: its params
// (DefaultParams when absent).
type Genesis = module.ParamsGenesis[Params]

// ParamsFor returns the parameters for blocks of the given length in
// seconds: a 7-day grace period.
func ParamsFor(seconds uint64) Params {
	if seconds == 0 {
		seconds = 1
	}
	return Params{GraceBlocks: int64(max(1, 7*86_400/seconds)), MaxWorkers: 200}
}

// DefaultParams are for 1-second blocks: a 604,800-block grace period.
func DefaultParams() Params { return ParamsFor(1) }

// DevnetParams have a 120-block grace period, to watch on a devnet.
func DevnetParams() Params {
	p := DefaultParams()
	p.GraceBlocks = 120
	return p
}

// Validate checks that the parameters are usable.
func (p Params) Validate() error {
	if p.GraceBlocks < 0 || p.MaxWorkers == 0 {
		return fmt.Errorf("%w: grace_blocks must not be negative and max_workers must be positive", ErrBadGenesis)
	}
	return nil
}
