package dao

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// Events of the dao module.
const (
	EventLock     = "dao_lock"
	EventUnlock   = "dao_unlock"
	EventPropose  = "dao_propose"
	EventVote     = "dao_vote"
	EventTally    = "dao_tally"
	EventEnact    = "dao_enact"
	AttrProposal  = "proposal"
	AttrAccount   = "account"
	AttrAmount    = "amount"
	AttrStatus    = "status"
	AttrKind      = "kind"
	AttrOption    = "option"
	AttrError     = "error"
	AttrReleaseAt = "release_height"
)

// Keeper reads and writes dao state.
type Keeper struct{}

// Params returns the dao params.
func (Keeper) Params(kv state.KV) Params {
	p := DefaultParams()
	if raw := kv.Get(keyParams); raw != nil {
		state.DecodeJSON(raw, &p, "dao params")
	}
	return p
}

// SetParams stores p (validated by the caller).
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Proposal returns a proposal.
func (Keeper) Proposal(kv state.KV, id uint64) (Proposal, bool) {
	raw := kv.Get(ProposalKey(id))
	if raw == nil {
		return Proposal{}, false
	}
	var p Proposal
	state.DecodeJSON(raw, &p, "dao proposal")
	return p, true
}

func (Keeper) setProposal(kv state.KV, p *Proposal) { kv.Set(ProposalKey(p.ID), state.EncodeJSON(p)) }

// Proposals lists every proposal in id order.
func (Keeper) Proposals(kv state.KV) []Proposal {
	out := []Proposal{}
	kv.Iterate(prefixProposal, func(_, v []byte) bool {
		var p Proposal
		state.DecodeJSON(v, &p, "dao proposal")
		out = append(out, p)
		return true
	})
	return out
}

// Locked is the PHA a has locked (unlocking excluded).
func (Keeper) Locked(kv state.KV, a address.Address) pha.Amount { return getAmount(kv, LockKey(a)) }

// TotalLocked is all PHA locked (unlocking excluded).
func (Keeper) TotalLocked(kv state.KV) pha.Amount { return getAmount(kv, keyTotalLocked) }

// Unlockings lists a's unlocking PHA in release order.
func (Keeper) Unlockings(kv state.KV, a address.Address) []Unlocking {
	out := []Unlocking{}
	kv.Iterate(prefixUnlock, func(k, v []byte) bool {
		if address.Address(k[len(prefixUnlock)+8:]) == a {
			amt, _ := pha.FromBytes(v)
			out = append(out, Unlocking{Amount: amt, Release: int64(binary.BigEndian.Uint64(k[len(prefixUnlock):]))})
		}
		return true
	})
	return out
}

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

// AddWeightSource makes s count toward voting weight; call it while
// wiring the app.
func (m *Module) AddWeightSource(s WeightSource) { m.sources = append(m.sources, s) }

var _ module.Module = (*Module)(nil)

// New returns the DAO and makes its module account the key authority.
func New(bal *balances.Module, reg *registry.Module, gk *keys.Module, pools *stakepool.Module) *Module {
	gk.SetGovernor(Account)
	return &Module{balances: bal, registry: reg, keys: gk, pools: pools}
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeLock, func(r *wire.Reader) tx.Msg { return &MsgLock{Amount: r.Amount()} })
	reg.Register(TypeUnlock, func(r *wire.Reader) tx.Msg { return &MsgUnlock{Amount: r.Amount()} })
	reg.Register(TypePropose, decodePropose)
	reg.Register(TypeVote, decodeVote)
}

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	m.Keeper.SetParams(ctx.KV, p)
	return nil
}

// VotingWeight is a's weight now: locked PHA plus its stake-pool shares'
// value plus what the weight sources (vaults) add; staked is all but the
// locked part.
func (m *Module) VotingWeight(kv state.KV, a address.Address) (locked, staked, weight pha.Amount) {
	locked = m.Keeper.Locked(kv, a)
	staked = m.pools.Keeper.StakeValue(kv, a)
	for _, src := range m.sources {
		staked, _ = staked.Add(src.VotingWeight(kv, a)) // parts of the supply
	}
	weight, _ = locked.Add(staked) // both parts of the supply
	return locked, staked, weight
}

// TotalWeight is the quorum's base: all locked PHA plus every pool's value.
func (m *Module) TotalWeight(kv state.KV) pha.Amount {
	t, _ := m.Keeper.TotalLocked(kv).Add(m.pools.Keeper.TotalStakeValue(kv))
	for _, src := range m.sources {
		t, _ = t.Add(src.TotalVotingWeight(kv))
	}
	return t
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgLock:
		return m.lock(ctx, sender, msg.Amount)
	case *MsgUnlock:
		return m.unlock(ctx, sender, msg.Amount)
	case *MsgPropose:
		return m.propose(ctx, sender, msg)
	case *MsgVote:
		return m.vote(ctx, sender, msg)
	}
	return fmt.Errorf("%w: dao cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

func (m *Module) lock(ctx *module.Context, sender address.Address, amount pha.Amount) error {
	if err := m.balances.Keeper.Transfer(ctx.KV, sender, LockAccount, amount); err != nil {
		return err
	}
	l, _ := m.Keeper.Locked(ctx.KV, sender).Add(amount)
	t, _ := m.Keeper.TotalLocked(ctx.KV).Add(amount)
	setAmount(ctx.KV, LockKey(sender), l)
	setAmount(ctx.KV, keyTotalLocked, t)
	ctx.Emit(EventLock, module.Indexed(AttrAccount, sender.String()), module.Attr(AttrAmount, amount.String()))
	return nil
}

func (m *Module) unlock(ctx *module.Context, sender address.Address, amount pha.Amount) error {
	l, err := m.Keeper.Locked(ctx.KV, sender).Sub(amount)
	if err != nil {
		return fmt.Errorf("%w: %s locked", ErrUnlockTooMuch, m.Keeper.Locked(ctx.KV, sender))
	}
	t, _ := m.Keeper.TotalLocked(ctx.KV).Sub(amount)
	setAmount(ctx.KV, LockKey(sender), l)
	setAmount(ctx.KV, keyTotalLocked, t)
	release := ctx.Height + m.Keeper.Params(ctx.KV).UnlockDelay
	k := UnlockKey(release, sender)
	sum, _ := getAmount(ctx.KV, k).Add(amount)
	setAmount(ctx.KV, k, sum)
	ctx.Emit(EventUnlock, module.Indexed(AttrAccount, sender.String()), module.Attr(AttrAmount, amount.String()), module.Attr(AttrReleaseAt, strconv.FormatInt(release, 10)))
	return nil
}

func (m *Module) propose(ctx *module.Context, sender address.Address, msg *MsgPropose) error {
	p := m.Keeper.Params(ctx.KV)
	if msg.Deposit.LT(p.MinDeposit) {
		return fmt.Errorf("%w: %s < %s", ErrDepositTooSmall, msg.Deposit.PHA(), p.MinDeposit.PHA())
	}
	if err := msg.Action.validateBasic(); err != nil {
		return err
	}
	if err := m.check(ctx.KV, msg.Action); err != nil {
		return fmt.Errorf("%w: it would not apply now: %v", ErrBadAction, err)
	}
	if !msg.Deposit.IsZero() {
		if err := m.balances.Keeper.Transfer(ctx.KV, sender, DepositAccount, msg.Deposit); err != nil {
			return err
		}
	}
	id := uint64(1)
	if raw := ctx.KV.Get(keyNextID); len(raw) == 8 {
		id = binary.BigEndian.Uint64(raw)
	}
	ctx.KV.Set(keyNextID, state.Uint64(id+1))
	prop := Proposal{ID: id, Proposer: sender, Title: msg.Title, Action: msg.Action, Deposit: msg.Deposit,
		Submitted: ctx.Height, VotingEnd: ctx.Height + p.VotingPeriod, Status: StatusVoting}
	m.Keeper.setProposal(ctx.KV, &prop)
	ctx.KV.Set(queueKey(prefixEnd, prop.VotingEnd, id), []byte{1})
	ctx.Emit(EventPropose, module.Indexed(AttrProposal, strconv.FormatUint(id, 10)), module.Indexed(AttrAccount, sender.String()),
		module.Attr(AttrKind, msg.Action.Kind), module.Attr(AttrAmount, msg.Deposit.String()))
	return nil
}

func (m *Module) vote(ctx *module.Context, sender address.Address, msg *MsgVote) error {
	prop, ok := m.Keeper.Proposal(ctx.KV, msg.Proposal)
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownProposal, msg.Proposal)
	}
	if prop.Status != StatusVoting || ctx.Height > prop.VotingEnd {
		return fmt.Errorf("%w: proposal %d voting ended at %d", ErrVotingClosed, prop.ID, prop.VotingEnd)
	}
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	if _, _, w := m.VotingWeight(ctx.KV, sender); w.IsZero() {
		return fmt.Errorf("%w: lock PHA (dao/lock) or hold stake-pool shares", ErrNoWeight)
	}
	ctx.KV.Set(VoteKey(prop.ID, sender), []byte{msg.Option})
	ctx.Emit(EventVote, module.Indexed(AttrProposal, strconv.FormatUint(prop.ID, 10)), module.Indexed(AttrAccount, sender.String()), module.Attr(AttrOption, OptionName(msg.Option)))
	return nil
}

// Count tallies a proposal's votes with the voters' weights now, in voter
// address order.
func (m *Module) Count(kv state.KV, id uint64) Tally {
	p := m.Keeper.Params(kv)
	t := Tally{Total: m.TotalWeight(kv)}
	prefix := state.Key(prefixVote, state.Uint64(id))
	kv.Iterate(prefix, func(k, v []byte) bool {
		_, _, w := m.VotingWeight(kv, address.Address(k[len(prefix):]))
		t.Voters++
		switch v[0] {
		case VoteYes:
			t.Yes, _ = t.Yes.Add(w)
		case VoteNo:
			t.No, _ = t.No.Add(w)
		default:
			t.Abstain, _ = t.Abstain.Add(w)
		}
		return true
	})
	voted, _ := t.Yes.Add(t.No)
	decided := voted
	voted, _ = voted.Add(t.Abstain)
	bps := func(a pha.Amount, n uint32) pha.Amount {
		x, _ := a.MulDiv(pha.Units(uint64(n)), pha.Units(1)) // at most 10^4 × the supply: fits in 128 bits
		return x
	}
	scaled := func(a pha.Amount) pha.Amount { return bps(a, 10_000) }
	t.Quorum = !t.Total.IsZero() && !voted.IsZero() && scaled(voted).Cmp(bps(t.Total, p.QuorumBps)) >= 0
	t.Passed = t.Quorum && scaled(t.Yes).Cmp(bps(decided, p.ThresholdBps)) > 0
	return t
}

// EndBlock implements module.Module: releases matured unlockings, tallies
// proposals whose voting ended (in end height, then id order) and enacts
// passed ones that reached their enactment height (same order).
func (m *Module) EndBlock(ctx *module.Context) error {
	if err := m.release(ctx); err != nil {
		return err
	}
	for _, id := range due(ctx.KV, prefixEnd, ctx.Height) {
		if err := m.tally(ctx, id); err != nil {
			return err
		}
	}
	for _, id := range due(ctx.KV, prefixEnact, ctx.Height) {
		if err := m.enact(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// due removes and returns the ids queued under prefix at heights up to h.
func due(kv state.KV, prefix []byte, h int64) []uint64 {
	var keys [][]byte
	var ids []uint64
	kv.Iterate(prefix, func(k, _ []byte) bool {
		if int64(binary.BigEndian.Uint64(k[len(prefix):])) > h {
			return false
		}
		keys = append(keys, append([]byte(nil), k...))
		ids = append(ids, binary.BigEndian.Uint64(k[len(prefix)+8:]))
		return true
	})
	for _, k := range keys {
		kv.Delete(k)
	}
	return ids
}

func (m *Module) release(ctx *module.Context) error {
	type entry struct {
		k   []byte
		to  address.Address
		amt pha.Amount
	}
	var es []entry
	ctx.KV.Iterate(prefixUnlock, func(k, v []byte) bool {
		if int64(binary.BigEndian.Uint64(k[len(prefixUnlock):])) > ctx.Height {
			return false
		}
		amt, _ := pha.FromBytes(v)
		es = append(es, entry{append([]byte(nil), k...), address.Address(k[len(prefixUnlock)+8:]), amt})
		return true
	})
	for _, e := range es {
		ctx.KV.Delete(e.k)
		if err := m.balances.Keeper.Transfer(ctx.KV, LockAccount, e.to, e.amt); err != nil {
			return fmt.Errorf("release unlocked PHA: %w", err)
		}
	}
	return nil
}

func (m *Module) tally(ctx *module.Context, id uint64) error {
	prop, ok := m.Keeper.Proposal(ctx.KV, id)
	if !ok || prop.Status != StatusVoting {
		return nil
	}
	t := m.Count(ctx.KV, id)
	prop.Tally = &t
	// The deposit goes back once the proposal reached quorum, to the
	// treasury otherwise: it moves, it is never burned.
	to := balances.Treasury
	if t.Quorum {
		to, prop.DepositReturned = prop.Proposer, true
	}
	if !prop.Deposit.IsZero() {
		if err := m.balances.Keeper.Transfer(ctx.KV, DepositAccount, to, prop.Deposit); err != nil {
			return fmt.Errorf("proposal %d deposit: %w", id, err)
		}
	}
	prop.Status = StatusRejected
	if t.Passed {
		prop.Status = StatusPassed
		prop.EnactHeight = ctx.Height + m.Keeper.Params(ctx.KV).EnactmentDelay
		ctx.KV.Set(queueKey(prefixEnact, prop.EnactHeight, id), []byte{1})
	}
	m.Keeper.setProposal(ctx.KV, &prop)
	ctx.Emit(EventTally, module.Indexed(AttrProposal, strconv.FormatUint(id, 10)), module.Attr(AttrStatus, prop.Status),
		module.Attr("yes", t.Yes.String()), module.Attr("no", t.No.String()), module.Attr("abstain", t.Abstain.String()), module.Attr("total", t.Total.String()))
	return nil
}

// enact applies a passed proposal's action against a cache: all of it
// takes effect, or (if it no longer applies) none of it and the proposal
// is marked failed. Either way the chain goes on.
func (m *Module) enact(ctx *module.Context, id uint64) error {
	prop, ok := m.Keeper.Proposal(ctx.KV, id)
	if !ok || prop.Status != StatusPassed {
		return nil
	}
	cache := state.NewCache(ctx.KV)
	sub := ctx.WithKV(cache)
	err := m.apply(sub, prop.Action)
	if err != nil {
		var se *state.StorageError
		if errors.As(err, &se) {
			return err
		}
		prop.Status, prop.Error = StatusFailed, err.Error()
	} else {
		cache.Write()
		for _, e := range sub.Events() {
			ctx.Emit(e.Type, e.Attributes...)
		}
		prop.Status = StatusEnacted
	}
	m.Keeper.setProposal(ctx.KV, &prop)
	attrs := []abci.EventAttribute{module.Indexed(AttrProposal, strconv.FormatUint(id, 10)), module.Attr(AttrKind, prop.Action.Kind), module.Attr(AttrStatus, prop.Status)}
	if prop.Error != "" {
		attrs = append(attrs, module.Attr(AttrError, prop.Error))
	}
	ctx.Emit(EventEnact, attrs...)
	return nil
}

// Query implements module.Module: "params", "proposals", "proposal/<id>"
// (with the live count while voting) and "weight/<address>".
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	switch {
	case path == "params":
		return json.Marshal(m.Keeper.Params(kv))
	case path == "proposals":
		return json.Marshal(m.Keeper.Proposals(kv))
	case strings.HasPrefix(path, "proposal/"):
		id, err := strconv.ParseUint(strings.TrimPrefix(path, "proposal/"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: proposal id %q", tx.ErrNotFound, path)
		}
		p, ok := m.Keeper.Proposal(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: proposal %d", ErrUnknownProposal, id)
		}
		if p.Status == StatusVoting {
			t := m.Count(kv, id)
			p.Tally = &t
		}
		return json.Marshal(p)
	case strings.HasPrefix(path, "weight/"):
		a, err := address.Parse(strings.TrimPrefix(path, "weight/"))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
		}
		w := Weight{Address: a, Unlocking: m.Keeper.Unlockings(kv, a), Total: m.TotalWeight(kv)}
		w.Locked, w.Staked, w.Weight = m.VotingWeight(kv, a)
		return json.Marshal(w)
	}
	return nil, fmt.Errorf("%w: query path /dao/%s", tx.ErrNotFound, path)
}
