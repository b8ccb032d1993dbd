package agents

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the agents module. It embeds its Keeper, so the keeper's
// readers (Agent, Escrow, APIKey, ...) are the module's.
type Module struct {
	module.Def
	Keeper
	contracts *contracts.Module
	clusters  *clusters.Module
	registry  *registry.Module
	bank      balances.Keeper
	pools     Pools
}

var _ module.Module = (*Module)(nil)

// New returns the agents module over the modules it uses.
func New(ct *contracts.Module, cl *clusters.Module, reg *registry.Module) *Module {
	m := &Module{contracts: ct, clusters: cl, registry: reg}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeDeploy, decodeDeploy, m.handleDeploy),
		module.Message(TypeUpgrade, decodeUpgrade, m.handleUpgrade),
		module.Message(TypeSetPaused, decodeSetPaused, m.handleSetPaused),
		module.Message(TypeSetPolicy, decodeSetPolicy, m.handleSetPolicy),
		module.Message(TypeSetPrice, decodeSetPrice, m.handleSetPrice),
		module.Message(TypeTransfer, decodeTransfer, m.handleTransfer),
		module.Message(TypeSetSecrets, decodeSetSecrets, m.handleSetSecrets),
		module.Message(TypeDeposit, decodeDeposit, m.handleDeposit),
		module.Message(TypeWithdraw, decodeWithdraw, m.handleDeposit),
		module.Message(TypeRegisterKey, decodeRegisterKey, m.handleRegisterKey),
		module.Message(TypeRevokeKey, decodeRevokeKey, m.handleRevokeKey),
	)
	return m
}
