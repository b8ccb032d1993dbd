package contracts

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the contracts module. It embeds its Keeper, so the keeper's
// readers (Contract, CodeInfo, Result, ...) are the module's.
type Module struct {
	Keeper
	clusters *clusters.Module
	queue    *mq.Module
	pools    Pools
	registry *registry.Module
}

var _ module.Module = (*Module)(nil)

// New returns the contracts module over the modules it reads and writes.
func New(cl *clusters.Module, queue *mq.Module) *Module {
	return &Module{clusters: cl, queue: queue}
}

// SetFeeRecipients installs where replicas' fees go: a worker's stake pool,
// or its operator (from the registry) when it is in none.
func (m *Module) SetFeeRecipients(pools Pools, reg *registry.Module) {
	m.pools, m.registry = pools, reg
}

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
	case *MsgUpload:
		return m.handleUpload(ctx, sender, msg)
	case *MsgInstantiate:
		return m.handleInstantiate(ctx, sender, msg)
	case *MsgExec:
		return m.handleExec(ctx, sender, msg)
	case *MsgUpgrade:
		return m.handleUpgrade(ctx, sender, msg)
	}
	return fmt.Errorf("%w: contracts cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module.
func (*Module) EndBlock(*module.Context) error { return nil }

// Query implements module.Module; query.go lists the paths.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) { return m.query(kv, path) }

// HandleMQ consumes "contracts/..." messages: contract keys and state
// roots from member workers, results from contracts.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}

// ResolveContractKey is the mq key resolver for contract origins: the
// contract's current signing key. Replicas re-sign a pending result with
// the current key when the epoch moves under it.
func (m *Module) ResolveContractKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	return m.signKey(kv, id)
}
