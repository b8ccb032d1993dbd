// Package state holds the application state: a versioned IAVL Merkle tree
// whose root is the AppHash, and write caches that make a transaction's
// changes atomic.
package state

import (
	"encoding/binary"
	"fmt"
)

// KV is the key-value view a module sees. Keys are ordered bytewise.
//
// A storage failure (disk I/O) panics with *StorageError instead of
// returning an error: the state machine must halt rather than let one
// validator take a different branch from the others.
type KV interface {
	Get(key []byte) []byte
	// Set writes a non-empty value (an empty one cannot be proven).
	Set(key, value []byte)
	Delete(key []byte)
	// Iterate calls fn for each key with the prefix in ascending order
	// until fn returns false. fn must not write to the KV.
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}

// StorageError is the panic value for an unrecoverable storage failure.
type StorageError struct{ Err error }

func (e *StorageError) Error() string { return fmt.Sprintf("state storage failure: %v", e.Err) }

func must(err error) {
	if err != nil {
		panic(&StorageError{Err: err})
	}
}

// PrefixEnd returns the smallest key greater than every key with prefix, or
// nil when there is none.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Key joins a key prefix and parts into a new key.
func Key(prefix []byte, parts ...[]byte) []byte {
	n := len(prefix)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, prefix...)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// Uint64 is v as 8 bytes big-endian, the key part that keeps numbers in
// order.
func Uint64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
