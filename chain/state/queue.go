package state

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformedKey marks a key the state machine never writes: the store
// is damaged, and a node that skipped the key would let its state drift
// from what the key was meant to do.
var ErrMalformedKey = errors.New("damaged store: malformed key")

// DueEntry is one entry of a due queue: its key, the height (or time)
// the entry comes due at, the bytes after that and its value, all copied.
type DueEntry struct {
	Key   []byte
	At    uint64
	Rest  []byte
	Value []byte
}

// Due lists, in key order, the entries of the queue under prefix whose
// due point is at most upTo, at most limit of them (0: no limit). Queue
// keys are prefix, the due point (8 bytes big-endian) and rest bytes.
// A key of any other length is a damaged store: Due returns an error
// naming it, which the caller's EndBlock returns so that the chain halts
// on every node alike, rather than skipping the key or stopping the
// queue there.
func Due(kv KV, prefix []byte, rest int, upTo uint64, limit int) ([]DueEntry, error) {
	var (
		out []DueEntry
		err error
	)
	kv.Iterate(prefix, func(k, v []byte) bool {
		if len(k) != len(prefix)+8+rest {
			err = fmt.Errorf("%w: queue %q key %x is %d bytes after the prefix, want %d", ErrMalformedKey, prefix, k, len(k)-len(prefix), 8+rest)
			return false
		}
		at := binary.BigEndian.Uint64(k[len(prefix):])
		if at > upTo || (limit > 0 && len(out) == limit) {
			return false
		}
		key := append([]byte(nil), k...)
		out = append(out, DueEntry{Key: key, At: at, Rest: key[len(prefix)+8:], Value: append([]byte(nil), v...)})
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
