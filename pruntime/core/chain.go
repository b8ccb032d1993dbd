package core

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// SyncedHeight is the last header the light client verified. It does not
// wait for a Sync in progress: the light client is safe for concurrent use.
func (c *Core) SyncedHeight() int64 { return c.sync.Height() }

// Synced is the height and time of the last header the light client
// verified (the zero time before the first): the time the chain's
// validators signed, which the host can hold back by withholding headers
// but never move ahead of the chain, nor back. What must not follow the
// host's clock (a contract query's time, the age of a served request)
// follows it.
func (c *Core) Synced() (int64, time.Time) {
	sh := c.sync.Latest()
	if sh == nil {
		return c.sync.Height(), time.Time{}
	}
	return sh.Height, sh.Time
}

// CaughtUp reports whether this enclave has read the chain as of the
// height where it started (its first sync): until then its view may be as
// old as the sealed checkpoint the host chose, so what that view lacks (a
// deposit, a record) may be on chain. nil once caught up; an error
// wrapping chainsync.ErrBehind (503: come back) until then.
func (c *Core) CaughtUp() error {
	c.mu.Lock()
	started := c.startedAt
	c.mu.Unlock()
	// The state as of a height is proven by the next header.
	if h := c.sync.Height(); started == 0 || h-1 < started {
		return fmt.Errorf("%w: this enclave reads the chain's state as of height %d, short of where it started (%d)", chainsync.ErrBehind, h-1, started)
	}
	return nil
}

// ViewFresh refuses to serve a request signed at signed on a view of the
// chain verified up to chainNow (Synced) that is more than skew older:
// the caller's signed time says when it is, and a view that old misses
// what the chain decided since (a paused agent, a changed policy, a
// contract's later state). A host that withholds headers keeps the view
// old; a worker still catching up has one too: come back, or ask another
// worker (chainsync.ErrBehind, 503). Before the first header there is no
// view to judge (and nothing is read).
func ViewFresh(signed, chainNow time.Time, skew time.Duration) error {
	if !chainNow.IsZero() && signed.Sub(chainNow) > skew {
		return fmt.Errorf("%w: this worker's view of the chain is of %s, more than %v before the request (%s)", chainsync.ErrBehind,
			chainNow.UTC().Format(time.RFC3339), skew, signed.UTC().Format(time.RFC3339))
	}
	return nil
}

// Header is the verified header at height h, if the light client has it.
func (c *Core) Header(h int64) (*cmttypes.SignedHeader, bool) { return c.sync.Header(h) }

// syncChunk is how many headers Sync verifies between progress reports.
const syncChunk = 500

// Sync verifies headers up to the source's latest height. A long catch-up
// goes in chunks, and progress (if not nil) hears of each. Syncs run one
// at a time (syncMu); the roles, the outbox included, go on meanwhile and
// see each header as soon as it is verified.
func (c *Core) Sync(ctx context.Context, src chainsync.Source, progress func(height, target int64)) (int64, error) {
	latest, err := src.LatestHeight(ctx)
	if err != nil {
		return c.SyncedHeight(), fmt.Errorf("enclave: latest height: %w", err)
	}
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if c.joinErr != nil {
		return c.sync.Height(), c.joinErr
	}
	if err := c.sync.CheckSourceHeight(latest); err != nil {
		return c.sync.Height(), fmt.Errorf("enclave: %w", err)
	}
	c.mu.Lock()
	if c.startedAt == 0 {
		c.startedAt = latest
	}
	c.mu.Unlock()
	for {
		h := c.sync.Height()
		if h >= latest {
			return h, errors.Join(c.unconfirmed(), c.saveCheckpoint(false))
		}
		to := min(h+syncChunk, latest)
		if c.joined != nil {
			// Check a signed checkpoint's signers as soon as the header
			// after it is verified, while it is in the window.
			to = min(to, c.joined.height+1)
		}
		if err := c.sync.Advance(ctx, src, to); err != nil {
			return c.sync.Height(), errors.Join(err, c.saveCheckpoint(false))
		}
		if c.joined != nil {
			if err := c.confirmJoin(ctx, src); err != nil {
				return c.sync.Height(), err
			}
		}
		if progress != nil && latest-h > syncChunk {
			progress(to, latest)
		}
	}
}

// State reads a state value at the latest verified height with a proof,
// through the per-height cache, and returns the height read at. A value
// proven at a height never changes, so a round's duties that read the same
// key (the gatekeeper's view, made again by each of its duties) make one
// proven read of it per height.
func (c *Core) State(ctx context.Context, src chainsync.Source, key []byte) ([]byte, int64, error) {
	return c.Cached(ctx, src, key)
}

// StateAt reads a state value at height h with a proof, through the
// per-height cache, as State does.
func (c *Core) StateAt(ctx context.Context, src chainsync.Source, key []byte, h int64) ([]byte, error) {
	return c.CachedAt(ctx, src, key, h)
}

// CachedAt reads a state value at height h with a proof, through the
// per-height cache. The light client is safe for concurrent use, so these
// reads do not wait for it: agent calls and the host loop read side by
// side. The value is shared with other readers: callers must not modify it.
func (c *Core) CachedAt(ctx context.Context, src chainsync.Source, key []byte, h int64) ([]byte, error) {
	v, _, err := c.reads.load(ctx, key, h, func() ([]byte, int64, error) {
		v, err := c.sync.VerifiedStateAt(ctx, src, key, h)
		return v, h, err
	})
	return v, err
}

// Cached reads a state value at the latest verified height through the
// cache, and returns the height read at.
func (c *Core) Cached(ctx context.Context, src chainsync.Source, key []byte) ([]byte, int64, error) {
	return c.reads.load(ctx, key, c.sync.Height()-1, func() ([]byte, int64, error) {
		return c.sync.VerifiedState(ctx, src, key)
	})
}

// RegisteredWorker reads this worker's chain record through the light
// client, as of the returned height; ok is false when the chain has no
// record.
func (c *Core) RegisteredWorker(ctx context.Context, src chainsync.Source) (w registry.Worker, ok bool, height int64, err error) {
	raw, height, err := c.State(ctx, src, registry.WorkerKey(c.ID()))
	if err != nil || raw == nil {
		return w, false, height, err
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return w, false, height, fmt.Errorf("enclave: worker record: %w", err)
	}
	return w, true, height, nil
}

// Clusters reads every cluster's chain record at one height.
func (c *Core) Clusters(ctx context.Context, src chainsync.Source) ([]clusters.Cluster, error) {
	list, h, err := c.Cached(ctx, src, clusters.ListKey())
	if err != nil {
		return nil, err
	}
	var out []clusters.Cluster
	for _, id := range keys.DecodeOrder(list) {
		raw, err := c.CachedAt(ctx, src, clusters.ClusterKey(id), h)
		if err != nil || raw == nil {
			return nil, fmt.Errorf("enclave: cluster %x: %v", id, err)
		}
		var cl clusters.Cluster
		if err := json.Unmarshal(raw, &cl); err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

// Inbox reads the messages the chain has queued for this worker, from
// sequence from on, each checked with a Merkle proof against a verified
// header. It returns them in order and the sequence to read from next.
func (c *Core) Inbox(ctx context.Context, src chainsync.Source, from uint64) ([]mq.Egress, uint64, error) {
	return c.Egress(ctx, src, c.Origin(), from, 0)
}

// Egress reads the chain's messages to dest from sequence from on, at most
// limit of them (0: all), each checked with a Merkle proof.
func (c *Core) Egress(ctx context.Context, src chainsync.Source, dest mq.Origin, from uint64, limit int) ([]mq.Egress, uint64, error) {
	raw, height, err := c.Cached(ctx, src, mq.EgressKey(dest))
	if err != nil {
		return nil, from, fmt.Errorf("enclave: read inbox length: %w", err)
	}
	var end uint64
	if raw != nil {
		if len(raw) != 8 {
			return nil, from, fmt.Errorf("enclave: inbox length record is %d bytes", len(raw))
		}
		end = binary.BigEndian.Uint64(raw)
	}
	if limit > 0 && end > from+uint64(limit) {
		end = from + uint64(limit)
	}
	var out []mq.Egress
	for seq := from; seq < end; seq++ {
		// Read at the same height as the length, so a message pruned later
		// cannot make the view inconsistent.
		b, err := c.CachedAt(ctx, src, mq.EgressMessageKey(dest, seq), height)
		if err != nil {
			return out, seq, fmt.Errorf("enclave: read inbox message %d: %w", seq, err)
		}
		if b == nil {
			return out, seq, fmt.Errorf("enclave: inbox message %d is missing at height %d", seq, height)
		}
		m, err := mq.DecodeEgress(b)
		if err != nil {
			return out, seq, fmt.Errorf("enclave: inbox message %d: %w", seq, err)
		}
		out = append(out, m)
	}
	return out, max(end, from), nil
}
