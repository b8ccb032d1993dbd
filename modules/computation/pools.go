package computation

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Pools is what computation needs from the stake pools. The stake pool
// module implements it and installs itself with SetPools; the PHA behind
// every pool (free, locked and rewards) sits in balances.StakeAccount.
type Pools interface {
	// Reward books amount for pool's holders: settlement has already moved
	// it from the subsidy pool into balances.StakeAccount.
	Reward(ctx *module.Context, pool uint64, amount pha.Amount) error
	// Released returns a cooled-down session's stake to pool's free stake.
	Released(ctx *module.Context, pool uint64, worker registry.WorkerID, stake pha.Amount) error
}

// SetPools installs the stake pools that sessions draw stake from and pay
// rewards to. Without pools settlement pays nothing.
func (m *Module) SetPools(p Pools) { m.pools = p }
