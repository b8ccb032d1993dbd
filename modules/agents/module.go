package agents

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the agents module. It embeds its Keeper, so the keeper's
// readers (Agent, Escrow, APIKey, ...) are the module's.
type Module struct {
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
	return &Module{contracts: ct, clusters: cl, registry: reg}
}

// SetPools installs the stake pools that receive the network part of usage
// fees of workers in a pool; without, it goes to the worker's operator.
func (m *Module) SetPools(p Pools) { m.pools = p }

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) { registerMsgs(reg) }

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	return m.initGenesis(ctx, raw)
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgDeploy:
		return m.handleDeploy(ctx, sender, msg)
	case *MsgDeposit:
		return m.handleDeposit(ctx, sender, msg)
	case *MsgRegisterKey:
		return m.handleRegisterKey(ctx, sender, msg)
	case *MsgRevokeKey:
		return m.handleRevokeKey(ctx, sender, msg)
	case *MsgUpgrade:
		return m.handleUpgrade(ctx, sender, msg)
	case *MsgSetPaused:
		return m.handleSetPaused(ctx, sender, msg)
	case *MsgSetPolicy:
		return m.handleSetPolicy(ctx, sender, msg)
	case *MsgSetPrice:
		return m.handleSetPrice(ctx, sender, msg)
	case *MsgTransfer:
		return m.handleTransfer(ctx, sender, msg)
	case *MsgSetSecrets:
		return m.handleSetSecrets(ctx, sender, msg)
	}
	return fmt.Errorf("%w: agents cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: it forgets the receipt ids whose
// window has passed.
func (m *Module) EndBlock(ctx *module.Context) error {
	m.endBlock(ctx)
	return nil
}

// Query implements module.Module; query.go lists the paths.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) { return m.query(kv, path) }

// HandleMQ settles receipt batches and takes re-sealed secrets from
// workers.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
