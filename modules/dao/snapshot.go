package dao

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
)

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
