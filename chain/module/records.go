package module

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

// GetJSON decodes the JSON record under key; ok is false when there is
// none. A record that does not decode means the store is damaged: it panics
// with *state.StorageError, named by format and args (formatted only then).
func GetJSON[T any](kv state.KV, key []byte, format string, args ...any) (v T, ok bool) {
	raw := kv.Get(key)
	if raw == nil {
		return v, false
	}
	decodeJSON(raw, &v, format, args)
	return v, true
}

// LoadJSON decodes the JSON record under key over def, so fields the
// record lacks keep def's values; with no record it is def. Modules read
// their params with it.
func LoadJSON[T any](kv state.KV, key []byte, def T, what string) T {
	if raw := kv.Get(key); raw != nil {
		decodeJSON(raw, &def, what, nil)
	}
	return def
}

// ListJSON decodes every JSON record under prefix, in key order; it is an
// empty list, never nil, when there is none.
func ListJSON[T any](kv state.KV, prefix []byte, what string) []T {
	out := []T{}
	EachJSON(kv, prefix, what, func(v T) bool {
		out = append(out, v)
		return true
	})
	return out
}

// EachJSON calls fn with every JSON record under prefix, in key order,
// until fn returns false.
func EachJSON[T any](kv state.KV, prefix []byte, what string, fn func(T) bool) {
	kv.Iterate(prefix, func(_, raw []byte) bool {
		var v T
		decodeJSON(raw, &v, what, nil)
		return fn(v)
	})
}

func decodeJSON(raw []byte, v any, format string, args []any) {
	if err := json.Unmarshal(raw, v); err != nil {
		panic(&state.StorageError{Err: fmt.Errorf(format+": %w", append(args, err)...)})
	}
}

// GetAmount returns the amount stored under key (pha.Amount.Bytes), zero
// when there is none. A record that is not an amount means the store is
// damaged: it panics with *state.StorageError, named by format and args.
func GetAmount(kv state.KV, key []byte, format string, args ...any) pha.Amount {
	raw := kv.Get(key)
	if raw == nil {
		return pha.Amount{}
	}
	a, err := pha.FromBytes(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf(format+": %w", append(args, err)...)})
	}
	return a
}

// SetAmount stores a under key, deleting the record when a is zero, so that
// an emptied balance leaves no key behind.
func SetAmount(kv state.KV, key []byte, a pha.Amount) {
	if a.IsZero() {
		kv.Delete(key)
		return
	}
	kv.Set(key, a.Bytes())
}

// AppendID adds id at the end of the id list stored under key: 32-byte ids
// back to back, in the order they were added.
func AppendID(kv state.KV, key []byte, id [32]byte) {
	kv.Set(key, append(append([]byte(nil), kv.Get(key)...), id[:]...))
}

// SplitIDs splits an id list as AppendID stores it; it is never nil, so an
// empty list shows as [] in JSON.
func SplitIDs(b []byte) [][32]byte {
	out := make([][32]byte, 0, len(b)/32)
	for i := 0; i+32 <= len(b); i += 32 {
		out = append(out, [32]byte(b[i:i+32]))
	}
	return out
}
