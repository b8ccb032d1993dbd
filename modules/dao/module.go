package dao

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// Module is the dao module.
type Module struct {
	Keeper   Keeper
	balances *balances.Module
	registry *registry.Module
	keys     *keys.Module
	pools    *stakepool.Module
	sources  []WeightSource
}

// WeightSource adds voting weight held elsewhere (vault shares): Weight is
// an account's, Total what the source adds to the quorum's base and that
// no other part counts (for vaults: their PHA not in stake pools, since
// the pools' value is counted whole already). Sources are consulted in the
// order added, in app wiring.
type WeightSource interface {
	VotingWeight(kv state.KV, a address.Address) pha.Amount
	TotalVotingWeight(kv state.KV) pha.Amount
}

var _ module.Module = (*Module)(nil)

// New returns the DAO and makes its module account the key authority.
func New(bal *balances.Module, reg *registry.Module, gk *keys.Module, pools *stakepool.Module) *Module {
	gk.SetGovernor(Account)
	return &Module{balances: bal, registry: reg, keys: gk, pools: pools}
}

// AddWeightSource makes s count toward voting weight; call it while
// wiring the app.
func (m *Module) AddWeightSource(s WeightSource) { m.sources = append(m.sources, s) }

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
	case *MsgLock:
		return m.handleLock(ctx, sender, msg)
	case *MsgUnlock:
		return m.handleUnlock(ctx, sender, msg)
	case *MsgPropose:
		return m.handlePropose(ctx, sender, msg)
	case *MsgVote:
		return m.handleVote(ctx, sender, msg)
	}
	return fmt.Errorf("%w: dao cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: releases matured unlockings, tallies
// proposals whose voting ended (in end height, then id order) and enacts
// passed ones that reached their enactment height (same order).
func (m *Module) EndBlock(ctx *module.Context) error { return m.endBlock(ctx) }

// Query implements module.Module: "params", "proposals", "proposal/<id>"
// (with the live count while voting) and "weight/<address>".
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) { return m.query(kv, path) }
