package module

import (
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

type rec struct {
	A int `json:"a"`
	B int `json:"b"`
}

func TestJSONRecords(t *testing.T) {
	kv := state.NewCache(state.OpenMemory())
	if _, ok := GetJSON[rec](kv, []byte("x/1"), "rec"); ok {
		t.Fatal("record found in an empty store")
	}
	if got := LoadJSON(kv, []byte("p"), rec{A: 1, B: 2}, "params"); got != (rec{1, 2}) {
		t.Fatalf("absent params: %+v", got)
	}
	kv.Set([]byte("p"), []byte(`{"a":5}`))
	if got := LoadJSON(kv, []byte("p"), rec{A: 1, B: 2}, "params"); got != (rec{5, 2}) {
		t.Fatalf("params over defaults: %+v", got)
	}
	kv.Set([]byte("x/2"), state.EncodeJSON(rec{A: 2}))
	kv.Set([]byte("x/1"), state.EncodeJSON(rec{A: 1}))
	if r, ok := GetJSON[rec](kv, []byte("x/2"), "rec %d", 2); !ok || r.A != 2 {
		t.Fatalf("get: %+v %v", r, ok)
	}
	if l := ListJSON[rec](kv, []byte("x/"), "rec"); len(l) != 2 || l[0].A != 1 || l[1].A != 2 {
		t.Fatalf("list: %+v", l)
	}
	if l := ListJSON[rec](kv, []byte("y/"), "rec"); l == nil || len(l) != 0 {
		t.Fatalf("empty list: %#v", l)
	}
	kv.Set([]byte("x/3"), []byte("{"))
	defer func() {
		var se *state.StorageError
		err, _ := recover().(error)
		if !errors.As(err, &se) || !strings.HasPrefix(se.Error(), "state storage failure: rec 3: ") {
			t.Fatalf("damaged record: %v", err)
		}
	}()
	GetJSON[rec](kv, []byte("x/3"), "rec %d", 3)
}

func TestAmountRecords(t *testing.T) {
	kv := state.NewCache(state.OpenMemory())
	key := []byte("x/amount")
	if a := GetAmount(kv, key, "amount"); !a.IsZero() {
		t.Fatalf("empty store: %v", a)
	}
	SetAmount(kv, key, pha.Units(5))
	if a := GetAmount(kv, key, "amount"); a != pha.Units(5) {
		t.Fatalf("stored 5, read %v", a)
	}
	SetAmount(kv, key, pha.Amount{})
	if kv.Get(key) != nil {
		t.Fatal("a zero amount left its key")
	}
	kv.Set(key, []byte("bad"))
	defer func() {
		var se *state.StorageError
		if err, _ := recover().(error); !errors.As(err, &se) || !strings.HasPrefix(se.Err.Error(), "amount of x: ") {
			t.Fatalf("damaged record: %v", err)
		}
	}()
	GetAmount(kv, key, "amount of %s", "x")
}

func TestIDList(t *testing.T) {
	kv := state.NewCache(state.OpenMemory())
	key := []byte("x/list")
	if ids := SplitIDs(kv.Get(key)); ids == nil || len(ids) != 0 {
		t.Fatalf("empty list: %v", ids)
	}
	AppendID(kv, key, [32]byte{1})
	AppendID(kv, key, [32]byte{2})
	ids := SplitIDs(append(kv.Get(key), 9))
	if len(ids) != 2 || ids[0] != [32]byte{1} || ids[1] != [32]byte{2} {
		t.Fatalf("list: %x", ids)
	}
}
