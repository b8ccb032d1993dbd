package core

import (
	"context"
	"errors"
	"sync"
)

// readCache keeps the proven state values read at the latest height or
// two: state at a height never changes, so a value checked once against a
// verified AppHash serves every later read at that height. Agent calls read
// the same few records (the agent, its contract record, the caller's
// escrow, the fee parameters) many times per block.
//
// Reads of one key at one height that miss the cache at the same time
// share one fetch: when a block arrives, every call in flight misses at
// once, and without this each would fetch (and the node prove) the same
// few values.
type readCache struct {
	mu      sync.Mutex
	heights [2]int64
	values  [2]map[string][]byte
	flights map[flightKey]*flight
}

type flightKey struct {
	height int64
	key    string
}

// flight is one fetch that other readers of the same key and height wait
// for.
type flight struct {
	done    chan struct{}
	value   []byte
	height  int64
	err     error
	waiters int // readers waiting on it, for tests
}

// load returns key at height h from the cache, or fetches it once for
// every concurrent reader. fetch returns the value and the height it was
// proven at (which is where it is cached). A reader whose ctx ends stops
// waiting; one whose fetcher gave up because its own ctx ended fetches
// again.
func (c *readCache) load(ctx context.Context, key []byte, h int64, fetch func() ([]byte, int64, error)) ([]byte, int64, error) {
	for {
		c.mu.Lock()
		if i := c.slot(h); i >= 0 {
			if v, ok := c.values[i][string(key)]; ok {
				c.mu.Unlock()
				return v, h, nil
			}
		}
		fk := flightKey{h, string(key)}
		f, waiting := c.flights[fk]
		if waiting {
			f.waiters++
		} else {
			f = &flight{done: make(chan struct{})}
			if c.flights == nil {
				c.flights = map[flightKey]*flight{}
			}
			c.flights[fk] = f
		}
		c.mu.Unlock()
		if !waiting {
			f.value, f.height, f.err = fetch()
			c.mu.Lock()
			delete(c.flights, fk)
			if f.err == nil {
				c.putLocked(key, f.height, f.value)
			}
			c.mu.Unlock()
			close(f.done)
			return f.value, f.height, f.err
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			continue
		}
		return f.value, f.height, f.err
	}
}

// maxCachedReads bounds each height's entries.
const maxCachedReads = 4096

func (c *readCache) slot(h int64) int {
	for i, ch := range c.heights {
		if ch == h && c.values[i] != nil {
			return i
		}
	}
	return -1
}

func (c *readCache) putLocked(key []byte, h int64, v []byte) {
	i := c.slot(h)
	if i < 0 {
		// Replace the older height.
		i = 0
		if c.heights[1] < c.heights[0] {
			i = 1
		}
		if c.values[i] != nil && c.heights[i] > h {
			return // an old height: not worth keeping
		}
		c.heights[i], c.values[i] = h, map[string][]byte{}
	}
	if len(c.values[i]) < maxCachedReads {
		c.values[i][string(key)] = v
	}
}
