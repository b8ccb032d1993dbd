package pruntime

import "sync"

// readCache keeps the proven state values read at the latest height or
// two: state at a height never changes, so a value checked once against a
// verified AppHash serves every later read at that height. Agent calls read
// the same few records (the agent, its contract record, the caller's
// escrow, the fee parameters) many times per block.
type readCache struct {
	mu      sync.Mutex
	heights [2]int64
	values  [2]map[string][]byte
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

func (c *readCache) get(key []byte, h int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.slot(h)
	if i < 0 {
		return nil, false
	}
	v, ok := c.values[i][string(key)]
	return v, ok
}

func (c *readCache) put(key []byte, h int64, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
