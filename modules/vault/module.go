package vault

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// Module is the vault module.
type Module struct {
	Keeper Keeper
	pools  *stakepool.Module
}

var _ module.Module = (*Module)(nil)

// New returns the vault module over the stake pools it delegates to.
func New(pools *stakepool.Module) *Module { return &Module{pools: pools} }

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
	case *MsgCreate:
		return m.handleCreate(ctx, sender, msg)
	case *MsgDeposit:
		return m.handleDeposit(ctx, sender, msg)
	case *MsgWithdraw:
		return m.handleWithdraw(ctx, sender, msg)
	case *MsgDelegate:
		return m.handleDelegate(ctx, sender, msg)
	case *MsgUndelegate:
		return m.handleUndelegate(ctx, sender, msg)
	}
	return fmt.Errorf("%w: vault cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: for every vault in id order, take
// commission on gains, serve the withdrawal queue from what the pools paid,
// and force the exit from the pools if the queue's head is overdue.
func (m *Module) EndBlock(ctx *module.Context) error { return m.endBlock(ctx) }

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return m.query(kv, path, data)
}

// VotingWeight is the DAO weight a's vault shares carry: what they are
// worth now (dao.WeightSource).
func (m *Module) VotingWeight(kv state.KV, a address.Address) pha.Amount {
	return m.Keeper.HolderValue(kv, a)
}

// TotalVotingWeight is the vaults' part of the DAO's total weight: their
// PHA not in stake pools, since the DAO already counts every pool's whole
// value (dao.WeightSource).
func (m *Module) TotalVotingWeight(kv state.KV) pha.Amount { return m.Keeper.TotalFree(kv) }
