package registry

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
)

// Module is the registry module.
type Module struct {
	Keeper     Keeper
	queue      *mq.Module
	registered []func(ctx *module.Context, w Worker, isNew bool) error
}

var _ module.Module = (*Module)(nil)

// New returns the registry module.
func New() *Module { return &Module{} }

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
	case *MsgRegisterWorker:
		return m.handleRegisterWorker(ctx, sender, msg)
	case *MsgUpdateEndpoint:
		return m.handleUpdateEndpoint(ctx, sender, msg)
	}
	return fmt.Errorf("%w: registry cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module.
func (m *Module) EndBlock(ctx *module.Context) error { return m.endBlock(ctx) }

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return m.query(kv, path, data)
}

// HandleMQ is the mq handler of "registry/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}

// ResolveWorkerKey is the mq key resolver for worker origins: a worker's
// messages are signed by its identity key, which is its id.
func (m *Module) ResolveWorkerKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	return m.Keeper.identityKey(kv, id)
}
