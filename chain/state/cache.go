package state

import (
	"bytes"
	"sort"
)

// Cache buffers writes over a parent KV. Write applies them to the parent in
// key order (IAVL's shape depends on insertion order, so the order must not
// depend on Go's map iteration); dropping the cache discards them.
type Cache struct {
	parent KV
	writes map[string]*[]byte // nil value pointer target means deleted
}

// NewCache returns an empty cache over parent.
func NewCache(parent KV) *Cache {
	return &Cache{parent: parent, writes: map[string]*[]byte{}}
}

// Get returns the cached value if written, otherwise the parent's.
func (c *Cache) Get(key []byte) []byte {
	if v, ok := c.writes[string(key)]; ok {
		return *v
	}
	return c.parent.Get(key)
}

// Set buffers a write.
func (c *Cache) Set(key, value []byte) {
	v := append([]byte(nil), value...)
	if v == nil {
		v = []byte{}
	}
	c.writes[string(key)] = &v
}

// Delete buffers a deletion.
func (c *Cache) Delete(key []byte) {
	var v []byte
	c.writes[string(key)] = &v
}

// Iterate merges buffered writes with the parent's keys.
func (c *Cache) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	own := c.sortedKeys(prefix)
	i := 0
	stopped := false
	emitOwn := func(k string) bool {
		v := *c.writes[k]
		if v == nil {
			return true // deleted
		}
		return fn([]byte(k), v)
	}
	c.parent.Iterate(prefix, func(k, v []byte) bool {
		for i < len(own) && own[i] < string(k) {
			if !emitOwn(own[i]) {
				stopped = true
				return false
			}
			i++
		}
		if i < len(own) && own[i] == string(k) {
			i++
			if !emitOwn(string(k)) {
				stopped = true
				return false
			}
			return true
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	for ; !stopped && i < len(own); i++ {
		if !emitOwn(own[i]) {
			return
		}
	}
}

func (c *Cache) sortedKeys(prefix []byte) []string {
	keys := make([]string, 0, len(c.writes))
	for k := range c.writes {
		if bytes.HasPrefix([]byte(k), prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Write applies the buffered writes to the parent in key order and empties
// the cache.
func (c *Cache) Write() {
	for _, k := range c.sortedKeys(nil) {
		v := *c.writes[k]
		if v == nil {
			c.parent.Delete([]byte(k))
		} else {
			c.parent.Set([]byte(k), v)
		}
	}
	clear(c.writes)
}
