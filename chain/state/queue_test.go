package state_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
)

// TestDue: the queue helper every module's EndBlock walks. Entries come
// in key order up to the due point and the limit; a key of the wrong
// length, wherever the walk meets it, is an error that names it, never a
// silent skip or stop.
func TestDue(t *testing.T) {
	prefix := []byte("m/q/")
	entry := func(at uint64, rest string) []byte { return state.Key(prefix, state.Uint64(at), []byte(rest)) }
	short := state.Key(prefix, state.Uint64(2), []byte("x"))
	long := state.Key(prefix, state.Uint64(2), []byte("abcd"))
	stub := state.Key(prefix, []byte{0, 0, 1})
	for _, tc := range []struct {
		name  string
		keys  [][]byte
		upTo  uint64
		limit int
		want  []string // rests, in order
		bad   []byte   // the key the error must name
	}{
		{name: "empty", upTo: 9},
		{name: "due up to and including upTo", keys: [][]byte{entry(3, "ccc"), entry(1, "aaa"), entry(2, "bbb")}, upTo: 2, want: []string{"aaa", "bbb"}},
		{name: "none due", keys: [][]byte{entry(5, "aaa")}, upTo: 4},
		{name: "limit", keys: [][]byte{entry(1, "aaa"), entry(1, "bbb"), entry(2, "ccc")}, upTo: 9, limit: 2, want: []string{"aaa", "bbb"}},
		{name: "short key before due ones", keys: [][]byte{short, entry(3, "ccc")}, upTo: 9, bad: short},
		{name: "long key among due ones", keys: [][]byte{entry(1, "aaa"), long, entry(3, "ccc")}, upTo: 9, bad: long},
		{name: "key shorter than its due point", keys: [][]byte{stub, entry(1, "aaa")}, upTo: 9, bad: stub},
		{name: "malformed key that is not due yet is still met", keys: [][]byte{entry(1, "aaa"), long}, upTo: 1, bad: long},
		{name: "malformed key past the limit is still met", keys: [][]byte{entry(1, "aaa"), long}, upTo: 9, limit: 1, bad: long},
		{name: "malformed key after one not due is not reached", keys: [][]byte{entry(1, "aaa"), entry(2, "bbb"), entry(3, "x")}, upTo: 1, want: []string{"aaa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := state.NewCache(state.OpenMemory())
			for i, k := range tc.keys {
				kv.Set(k, []byte{byte(i + 1)})
			}
			got, err := state.Due(kv, prefix, 3, tc.upTo, tc.limit)
			if tc.bad != nil {
				if !errors.Is(err, state.ErrMalformedKey) || !strings.Contains(err.Error(), hex.EncodeToString(tc.bad)) || got != nil {
					t.Fatalf("got %v, %v; want an error naming %x", got, err, tc.bad)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %d entries, %v; want %q", len(got), err, tc.want)
			}
			for i, e := range got {
				if string(e.Rest) != tc.want[i] || string(e.Key) != string(state.Key(prefix, state.Uint64(e.At), e.Rest)) || len(e.Value) != 1 {
					t.Fatalf("entry %d: %+v, want rest %q", i, e, tc.want[i])
				}
			}
		})
	}
}
