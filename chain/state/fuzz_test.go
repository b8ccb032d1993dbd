package state

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeJSON: a state record that does not decode means the store is
// damaged, and DecodeJSON halts the node by panicking with a
// *StorageError that names the record; no bytes make it panic with
// anything else.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":["x"]}`, `{"a":`, `null`, `{"a":"1"}`, ``} {
		f.Add([]byte(s))
	}
	type record struct {
		A uint64   `json:"a"`
		B []string `json:"b"`
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			var se *StorageError
			if err, ok := r.(error); !ok || !errors.As(err, &se) || !strings.Contains(se.Error(), "fuzz record: ") {
				t.Fatalf("panic is not a StorageError naming the record: %v", r)
			}
		}()
		var v record
		DecodeJSON(b, &v, "fuzz record")
	})
}
