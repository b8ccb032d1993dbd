package dao

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

func (m *Module) handleLock(ctx *module.Context, sender address.Address, msg *MsgLock) error {
	if err := m.balances.Keeper.Transfer(ctx.KV, sender, LockAccount, msg.Amount); err != nil {
		return err
	}
	l, _ := m.Keeper.Locked(ctx.KV, sender).Add(msg.Amount)
	t, _ := m.Keeper.TotalLocked(ctx.KV).Add(msg.Amount)
	m.Keeper.setLocked(ctx.KV, sender, l, t)
	emitLock(ctx, sender, msg.Amount)
	return nil
}

func (m *Module) handleUnlock(ctx *module.Context, sender address.Address, msg *MsgUnlock) error {
	l, err := m.Keeper.Locked(ctx.KV, sender).Sub(msg.Amount)
	if err != nil {
		return fmt.Errorf("%w: %s locked", ErrUnlockTooMuch, m.Keeper.Locked(ctx.KV, sender))
	}
	t, _ := m.Keeper.TotalLocked(ctx.KV).Sub(msg.Amount)
	m.Keeper.setLocked(ctx.KV, sender, l, t)
	release := ctx.Height + m.Keeper.Params(ctx.KV).UnlockDelay
	m.Keeper.addUnlocking(ctx.KV, release, sender, msg.Amount)
	emitUnlock(ctx, sender, msg.Amount, release)
	return nil
}

func (m *Module) handlePropose(ctx *module.Context, sender address.Address, msg *MsgPropose) error {
	p := m.Keeper.Params(ctx.KV)
	if msg.Deposit.LT(p.MinDeposit) {
		return fmt.Errorf("%w: %s < %s", ErrDepositTooSmall, msg.Deposit.PHA(), p.MinDeposit.PHA())
	}
	if err := msg.Action.validateBasic(); err != nil {
		return err
	}
	if err := m.check(ctx, msg.Action); err != nil {
		return fmt.Errorf("%w: it would not apply now: %v", ErrBadAction, err)
	}
	prop := Proposal{Proposer: sender, Title: msg.Title, Action: msg.Action, Deposit: msg.Deposit,
		Submitted: ctx.Height, VotingEnd: ctx.Height + p.VotingPeriod, Status: StatusVoting}
	if _, err := m.snapshot(&prop); err != nil {
		return err
	}
	if !msg.Deposit.IsZero() {
		if err := m.balances.Keeper.Transfer(ctx.KV, sender, DepositAccount, msg.Deposit); err != nil {
			return err
		}
	}
	prop.ID = m.Keeper.nextProposalID(ctx.KV)
	m.Keeper.setProposal(ctx.KV, &prop)
	m.Keeper.enqueue(ctx.KV, prefixEnd, prop.VotingEnd, prop.ID)
	emitPropose(ctx, &prop)
	return nil
}

func (m *Module) handleVote(ctx *module.Context, sender address.Address, msg *MsgVote) error {
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
	snap, err := m.snapshot(&prop)
	if err != nil {
		return err
	}
	if _, _, w := m.VotingWeight(snap, sender); w.IsZero() {
		return fmt.Errorf("%w: none at height %d, before proposal %d started: lock PHA (dao/lock) or hold stake-pool shares before a proposal", ErrNoWeight, snapshotHeight(&prop), prop.ID)
	}
	m.Keeper.setVote(ctx.KV, prop.ID, sender, msg.Option)
	emitVote(ctx, prop.ID, sender, msg.Option)
	return nil
}

// Count tallies a proposal's votes with the voters' weights as its voting
// started (see the voting weight snapshot in keeper.go), in voter address order.
func (m *Module) Count(kv state.KV, id uint64) (Tally, error) {
	prop, ok := m.Keeper.Proposal(kv, id)
	if !ok {
		return Tally{}, fmt.Errorf("%w: %d", ErrUnknownProposal, id)
	}
	snap, err := m.snapshot(&prop)
	if err != nil {
		return Tally{}, err
	}
	p := m.Keeper.Params(kv)
	t := Tally{Total: m.TotalWeight(snap)}
	m.Keeper.iterateVotes(kv, id, func(voter address.Address, option byte) {
		_, _, w := m.VotingWeight(snap, voter)
		t.Voters++
		switch option {
		case VoteYes:
			t.Yes, _ = t.Yes.Add(w)
		case VoteNo:
			t.No, _ = t.No.Add(w)
		default:
			t.Abstain, _ = t.Abstain.Add(w)
		}
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
	return t, nil
}

// endBlock releases matured unlockings, tallies proposals whose voting
// ended and enacts passed ones that reached their enactment height.
func (m *Module) endBlock(ctx *module.Context) error {
	if err := m.release(ctx); err != nil {
		return err
	}
	// Tallies first, then enactments, as a tally queues its proposal's
	// enactment (due at once with no enactment delay).
	for _, q := range []struct {
		prefix []byte
		run    func(*module.Context, uint64) error
	}{{prefixEnd, m.tally}, {prefixEnact, m.enact}} {
		ids, err := m.Keeper.due(ctx.KV, q.prefix, ctx.Height)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := q.run(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// release returns matured unlockings to their owners.
func (m *Module) release(ctx *module.Context) error {
	matured, err := m.Keeper.matured(ctx.KV, ctx.Height)
	if err != nil {
		return err
	}
	for _, e := range matured {
		m.Keeper.dropUnlocking(ctx.KV, e)
		if err := m.balances.Keeper.Transfer(ctx.KV, LockAccount, e.to, e.amount); err != nil {
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
	t, err := m.Count(ctx.KV, id)
	if err != nil {
		// Only a node that lost the version can fail here: it stops
		// rather than count differently from the others.
		return fmt.Errorf("tally: %w", err)
	}
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
		m.Keeper.enqueue(ctx.KV, prefixEnact, prop.EnactHeight, id)
	}
	m.Keeper.setProposal(ctx.KV, &prop)
	emitTally(ctx, &prop, t)
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
	emitEnact(ctx, &prop)
	return nil
}

// check tells whether the action could be enacted in ctx's block; a
// proposal that could not is refused when proposed. Enactment checks again.
func (m *Module) check(ctx *module.Context, a Action) error {
	cache := state.NewCache(ctx.KV) // never written
	return m.apply(&module.Context{KV: cache, ChainID: ctx.ChainID, Height: ctx.Height, Time: ctx.Time, Simulating: true}, a)
}

// apply carries out the action through the owning modules' handlers, with
// the DAO's module account as the sender where a handler checks one.
func (m *Module) apply(ctx *module.Context, a Action) error {
	switch a.Kind {
	case KindText:
		return nil
	case KindAllowMeasurement:
		return m.registry.Keeper.AllowMeasurement(ctx.KV, *a.Measurement)
	case KindRemoveMeasurement:
		return m.registry.RemoveMeasurement(ctx, a.Measurement.TEE, a.Measurement.Value)
	case KindAddGatekeeper:
		return m.keys.DeliverMsg(ctx, Account, &keys.MsgAddGatekeeper{Worker: [32]byte(a.Worker)})
	case KindRemoveGatekeeper:
		return m.keys.RemoveGatekeeper(ctx, [32]byte(a.Worker))
	case KindRotateKeys:
		return m.keys.DeliverMsg(ctx, Account, &keys.MsgRotate{})
	case KindSetParam:
		return m.setParam(ctx.KV, a.Module, a.Param, a.Value)
	case KindTreasurySpend:
		return m.balances.Keeper.Transfer(ctx.KV, balances.Treasury, a.To, a.Amount)
	case KindSetTDXCollateral:
		return m.registry.SetTDXCollateral(ctx, *a.TDXCollateral)
	case KindStartShieldedCeremony:
		return shielded.Keeper{}.StartCeremony(ctx.KV, *a.ShieldedCeremony)
	}
	return fmt.Errorf("%w: unknown kind %q", ErrBadAction, a.Kind)
}

// overlay sets one JSON field of params p (a pointer to a params struct):
// it must name a field, and the value must decode into it.
func overlay(p any, param string, value json.RawMessage) error {
	obj, err := json.Marshal(map[string]json.RawMessage{param: value})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAction, err)
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("%w: set %s: %v", ErrBadAction, param, err)
	}
	return nil
}

// setParam sets one param of a module's params: the new params must pass
// the module's validation, whose refusal is a bad action (the dao's own
// is ErrBadParams).
func (m *Module) setParam(kv state.KV, mod, param string, value json.RawMessage) error {
	switch mod {
	case Name:
		return overlayParams(m.Keeper.Params(kv), param, value, func(p Params) error {
			if err := p.Validate(); err != nil {
				return err
			}
			m.Keeper.SetParams(kv, p)
			return nil
		})
	case keys.Name:
		return overlayParams(m.keys.Keeper.Params(kv), param, value, func(p keys.Params) error {
			return badAction(m.keys.Keeper.SetParams(kv, p))
		})
	case registry.Name:
		// Loaded twice: decoding into the params reuses their slices'
		// arrays, so the copy to compare with must not share them.
		old := m.registry.Keeper.Params(kv)
		return overlayParams(m.registry.Keeper.Params(kv), param, value, func(p registry.Params) error {
			if err := p.CheckGoverned(old); err != nil {
				return badAction(err)
			}
			return validThen(p.Validate(), func() { m.registry.Keeper.SetParams(kv, p) })
		})
	case computation.Name:
		// Phala's bounds hold here as at genesis (Params.Validate).
		return overlayParams(computation.Keeper{}.Params(kv), param, value, func(p computation.Params) error {
			return validThen(p.Validate(), func() { computation.Keeper{}.SetParams(kv, p) })
		})
	case stakepool.Name:
		return overlayParams(m.pools.Keeper.Params(kv), param, value, func(p stakepool.Params) error {
			return validThen(p.Validate(), func() { m.pools.Keeper.SetParams(kv, p) })
		})
	}
	return fmt.Errorf("%w: module %q has no settable params", ErrBadAction, mod)
}

// overlayParams sets one JSON field of p and stores the result.
func overlayParams[P any](p P, param string, value json.RawMessage, store func(P) error) error {
	if err := overlay(&p, param, value); err != nil {
		return err
	}
	return store(p)
}

// validThen runs set when the validation passed, and refuses the action
// otherwise.
func validThen(validation error, set func()) error {
	if validation != nil {
		return badAction(validation)
	}
	set()
	return nil
}

// badAction wraps a module's refusal of new params as ErrBadAction, the
// module's own error kept in the chain (errors.Is finds both).
func badAction(err error) error {
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadAction, err)
	}
	return nil
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
