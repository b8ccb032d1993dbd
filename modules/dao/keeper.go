package dao

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes dao state.
type Keeper struct{}

// Params returns the dao params.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, DefaultParams(), "dao params")
}

// SetParams stores p (validated by the caller).
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Proposal returns a proposal.
func (Keeper) Proposal(kv state.KV, id uint64) (Proposal, bool) {
	return module.GetJSON[Proposal](kv, ProposalKey(id), "dao proposal")
}

func (Keeper) setProposal(kv state.KV, p *Proposal) { kv.Set(ProposalKey(p.ID), state.EncodeJSON(p)) }

// Proposals lists every proposal in id order.
func (Keeper) Proposals(kv state.KV) []Proposal {
	return module.ListJSON[Proposal](kv, prefixProposal, "dao proposal")
}

// nextProposalID returns the id of a new proposal and counts it.
func (Keeper) nextProposalID(kv state.KV) uint64 {
	id := uint64(1)
	if raw := kv.Get(keyNextID); len(raw) == 8 {
		id = binary.BigEndian.Uint64(raw)
	}
	kv.Set(keyNextID, state.Uint64(id+1))
	return id
}

// setVote records a's option on a proposal.
func (Keeper) setVote(kv state.KV, id uint64, a address.Address, option byte) {
	kv.Set(VoteKey(id, a), []byte{option})
}

// iterateVotes calls fn for every vote on a proposal in voter address
// order.
func (Keeper) iterateVotes(kv state.KV, id uint64, fn func(voter address.Address, option byte)) {
	prefix := votesPrefix(id)
	kv.Iterate(prefix, func(k, v []byte) bool {
		fn(address.Address(k[len(prefix):]), v[0])
		return true
	})
}

// Locked is the PHA a has locked (unlocking excluded).
func (Keeper) Locked(kv state.KV, a address.Address) pha.Amount {
	return module.GetAmount(kv, LockKey(a), "dao amount")
}

// TotalLocked is all PHA locked (unlocking excluded).
func (Keeper) TotalLocked(kv state.KV) pha.Amount {
	return module.GetAmount(kv, keyTotalLocked, "dao amount")
}

// setLocked stores what a has locked and the total.
func (Keeper) setLocked(kv state.KV, a address.Address, locked, total pha.Amount) {
	module.SetAmount(kv, LockKey(a), locked)
	module.SetAmount(kv, keyTotalLocked, total)
}

// addUnlocking adds amount to what a gets back at release.
func (Keeper) addUnlocking(kv state.KV, release int64, a address.Address, amount pha.Amount) {
	k := UnlockKey(release, a)
	sum, _ := module.GetAmount(kv, k, "dao amount").Add(amount)
	module.SetAmount(kv, k, sum)
}

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

// unlocked is an unlocking entry that has matured.
type unlocked struct {
	release int64
	to      address.Address
	amount  pha.Amount
}

// matured lists the unlocking entries released at heights up to h, in
// release then address order.
func (Keeper) matured(kv state.KV, h int64) ([]unlocked, error) {
	due, err := state.Due(kv, prefixUnlock, address.Size, uint64(h), 0)
	if err != nil {
		return nil, fmt.Errorf("unlocking queue: %w", err)
	}
	out := make([]unlocked, len(due))
	for i, e := range due {
		amt, err := pha.FromBytes(e.Value)
		if err != nil {
			return nil, fmt.Errorf("unlocking queue: entry %x: %w", e.Key, err)
		}
		out[i] = unlocked{int64(e.At), address.Address(e.Rest), amt}
	}
	return out, nil
}

// dropUnlocking forgets a matured unlocking entry.
func (Keeper) dropUnlocking(kv state.KV, e unlocked) { kv.Delete(UnlockKey(e.release, e.to)) }

// enqueue puts a proposal in the tally (prefixEnd) or enactment
// (prefixEnact) queue at height.
func (Keeper) enqueue(kv state.KV, prefix []byte, height int64, id uint64) {
	kv.Set(queueKey(prefix, height, id), []byte{1})
}

// due removes and returns the ids queued under prefix at heights up to h.
func (Keeper) due(kv state.KV, prefix []byte, h int64) ([]uint64, error) {
	due, err := state.Due(kv, prefix, 8, uint64(h), 0)
	if err != nil {
		return nil, fmt.Errorf("proposal queue: %w", err)
	}
	ids := make([]uint64, len(due))
	for i, e := range due {
		kv.Delete(e.Key)
		ids[i] = binary.BigEndian.Uint64(e.Rest)
	}
	return ids, nil
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

// Voting weight is a snapshot: a proposal's votes are weighed with the
// committed state of the block before the one that submitted it, read from
// the app's versioned store (an IAVL version is immutable, so every node
// reads the same weights whenever it counts). PHA locked, staked or moved
// in or after the proposal's block changes nothing; a voter with no
// weight in the snapshot is refused. The app keeps every version from the
// oldest open proposal's snapshot on (OldestSnapshot).

// History opens the committed state as of a height.
type History func(height int64) (state.KV, error)

// SetHistory gives the DAO the app's committed versions; without them no
// proposal can be voted or counted (ErrNoSnapshot).
func (m *Module) SetHistory(h History) { m.history = h }

// snapshotHeight is the height whose committed state weighs proposal p's
// votes: the block before p's.
func snapshotHeight(p *Proposal) int64 { return p.Submitted - 1 }

// snapshot opens the state that weighs proposal p's votes.
func (m *Module) snapshot(p *Proposal) (state.KV, error) {
	h := snapshotHeight(p)
	if m.history == nil || h < 1 {
		return nil, fmt.Errorf("%w: proposal %d started at %d, no committed state at %d", ErrNoSnapshot, p.ID, p.Submitted, h)
	}
	kv, err := m.history(h)
	if err != nil {
		return nil, fmt.Errorf("%w: proposal %d: %v", ErrNoSnapshot, p.ID, err)
	}
	return kv, nil
}

// OldestSnapshot is the lowest height whose state an open proposal still
// needs, or 0 when none is open: the app does not prune versions from it
// on.
func (m *Module) OldestSnapshot(kv state.KV) int64 {
	var oldest int64
	kv.Iterate(prefixEnd, func(k, _ []byte) bool {
		id := binary.BigEndian.Uint64(k[len(prefixEnd)+8:])
		if p, ok := m.Keeper.Proposal(kv, id); ok {
			if h := snapshotHeight(&p); oldest == 0 || h < oldest {
				oldest = h
			}
		}
		return true
	})
	return oldest
}
