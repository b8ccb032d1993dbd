package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/state"
)

// State sync: the app serves snapshots of its IAVL state so a new node
// joins without replaying the chain (CometBFT's state sync), and restores
// one it is offered. A snapshot is the export of one committed version
// (state.Store.Export), cut into chunks; its metadata lists each chunk's
// SHA-256 so a bad chunk is refused on arrival, and the restored tree
// must hash to the AppHash the light client verified.

// snapshotFormat is the one snapshot format this app writes and reads.
const snapshotFormat = 1

// snapshotChunkSize is the size of a snapshot chunk (the last is shorter).
const snapshotChunkSize = 1 << 20

// snapshotSet is the app's state sync side: the snapshot it serves (the
// latest interval height, exported once) and the one it is restoring.
// None of it is state.
type snapshotSet struct {
	mu       sync.Mutex
	interval int64
	served   []*exported
	restore  *restoring
}

// exported is one version's export, cut into chunks.
type exported struct {
	height int64
	chunks [][]byte
	meta   []byte
	hash   [32]byte
}

// restoring is a snapshot being applied: the chunks so far.
type restoring struct {
	snap    *abci.Snapshot
	appHash []byte
	data    []byte
	next    uint32
}

// SetSnapshotInterval makes the app offer state sync snapshots of every
// interval-th height, the latest one it keeps (0: none).
func (a *App) SetSnapshotInterval(interval int64) error {
	if interval < 0 {
		return fmt.Errorf("snapshot interval %d: want 0 (none) or more", interval)
	}
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	a.snaps.interval = interval
	return nil
}

// servedSnapshots is how many recent exports the app keeps in memory: a
// joiner fetches the chunks of the snapshot it was offered while newer
// ones are made.
const servedSnapshots = 3

// export returns the export of height (0: the latest interval height),
// making it once; nil when there is none to serve at that height.
func (a *App) export(height int64) (*exported, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.snaps
	v := a.store.Version()
	if s.interval <= 0 || v < s.interval {
		return nil, nil
	}
	if height == 0 {
		height = v - v%s.interval
	}
	if height <= 0 || height > v || height%s.interval != 0 {
		return nil, nil
	}
	for _, e := range s.served {
		if e.height == height {
			return e, nil
		}
	}
	data, err := a.store.Export(height)
	if err != nil {
		return nil, err
	}
	e := &exported{height: height, hash: sha256.Sum256(data)}
	for start := 0; start == 0 || start < len(data); start += snapshotChunkSize {
		c := data[start:min(start+snapshotChunkSize, len(data))]
		sum := sha256.Sum256(c)
		e.chunks, e.meta = append(e.chunks, c), append(e.meta, sum[:]...)
	}
	s.served = append(s.served, e)
	if len(s.served) > servedSnapshots {
		s.served = s.served[1:]
	}
	return e, nil
}

// ListSnapshots offers the latest snapshot.
func (a *App) ListSnapshots(_ context.Context, _ *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	e, err := a.export(0)
	if err != nil || e == nil {
		if err != nil {
			a.log.Warn("state snapshot not made", "err", err)
		}
		return &abci.ResponseListSnapshots{}, nil
	}
	return &abci.ResponseListSnapshots{Snapshots: []*abci.Snapshot{{
		Height: uint64(e.height), Format: snapshotFormat, Chunks: uint32(len(e.chunks)), Hash: e.hash[:], Metadata: e.meta,
	}}}, nil
}

// LoadSnapshotChunk serves one chunk of the snapshot ListSnapshots offers.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	e, err := a.export(int64(req.Height))
	if err != nil || e == nil || req.Format != snapshotFormat || int(req.Chunk) >= len(e.chunks) {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: e.chunks[req.Chunk]}, nil
}

// OfferSnapshot takes a snapshot to restore into an empty state.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	snap := req.Snapshot
	switch {
	case snap == nil:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	case snap.Format != snapshotFormat:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	case snap.Chunks == 0 || len(snap.Metadata) != 32*int(snap.Chunks) || len(snap.Hash) != 32:
		a.log.Warn("state snapshot refused", "height", snap.Height, "check", "snapshot-metadata")
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	a.mu.Lock()
	v := a.store.Version()
	a.mu.Unlock()
	if v != 0 {
		a.log.Warn("state snapshot refused", "height", snap.Height, "check", "snapshot-empty-store", "store_height", v)
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ABORT}, nil
	}
	a.snaps.restore = &restoring{snap: snap, appHash: req.AppHash}
	return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ACCEPT}, nil
}

// ApplySnapshotChunk takes the chunks in order, each checked against the
// snapshot's metadata; after the last it rebuilds the state and checks it
// hashes to the AppHash CometBFT's light client verified.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	a.snaps.mu.Lock()
	defer a.snaps.mu.Unlock()
	r := a.snaps.restore
	if r == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	sum := sha256.Sum256(req.Chunk)
	if req.Index != r.next || !bytes.Equal(sum[:], r.snap.Metadata[32*req.Index:32*req.Index+32]) {
		a.log.Warn("state snapshot chunk refused", "index", req.Index, "check", "snapshot-chunk-hash", "sender", req.Sender)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{req.Index}, RejectSenders: []string{req.Sender}}, nil
	}
	r.data = append(r.data, req.Chunk...)
	r.next++
	if r.next < r.snap.Chunks {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
	}
	a.snaps.restore = nil
	if err := a.restore(r); err != nil {
		a.log.Error("state snapshot not restored", "height", r.snap.Height, "err", err)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	a.log.Info("state restored from a snapshot", "height", r.snap.Height)
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
}

// restore rebuilds the state from a complete snapshot and loads what the
// app keeps of it in memory, as on a restart.
func (a *App) restore(r *restoring) error {
	if sum := sha256.Sum256(r.data); !bytes.Equal(sum[:], r.snap.Hash) {
		return fmt.Errorf("snapshot-hash: the chunks hash to %x, the snapshot says %x", sum, r.snap.Hash)
	}
	// Rebuilt in memory first: a snapshot that does not reach the
	// verified AppHash leaves nothing behind in the node's store.
	scratch := state.OpenMemory()
	defer scratch.Close()
	hash, err := scratch.Import(int64(r.snap.Height), r.data)
	if err != nil {
		return err
	}
	if !bytes.Equal(hash, r.appHash) {
		return fmt.Errorf("snapshot-app-hash: the restored state hashes to %X, the verified AppHash at height %d is %X", hash, r.snap.Height, r.appHash)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.store.Import(int64(r.snap.Height), r.data); err != nil {
		return err
	}
	return a.loadCommitted()
}
