package state_test

import (
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
)

func collect(kv state.KV, prefix string) []string {
	var out []string
	kv.Iterate([]byte(prefix), func(k, v []byte) bool {
		out = append(out, fmt.Sprintf("%s=%s", k, v))
		return true
	})
	return out
}

func TestCacheMergesAndWritesInOrder(t *testing.T) {
	s := state.OpenMemory()
	for _, k := range []string{"a/1", "a/3", "a/5", "b/1"} {
		s.Set([]byte(k), []byte("p"))
	}
	c := state.NewCache(s)
	c.Set([]byte("a/2"), []byte("c"))
	c.Set([]byte("a/3"), []byte("c"))
	c.Delete([]byte("a/5"))
	c.Set([]byte("a/6"), []byte("c"))
	got := fmt.Sprint(collect(c, "a/"))
	want := "[a/1=p a/2=c a/3=c a/6=c]"
	if got != want {
		t.Fatalf("merged iteration %s, want %s", got, want)
	}
	if got := fmt.Sprint(collect(s, "a/")); got != "[a/1=p a/3=p a/5=p]" {
		t.Fatalf("parent changed before Write: %s", got)
	}
	// Stopping early stops.
	n := 0
	c.Iterate([]byte("a/"), func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("iteration did not stop: %d", n)
	}
	c.Write()
	if got := fmt.Sprint(collect(s, "a/")); got != want {
		t.Fatalf("after Write %s, want %s", got, want)
	}
	if c.Get([]byte("a/5")) != nil || s.Get([]byte("a/5")) != nil {
		t.Fatal("deleted key still readable")
	}
}

// TestInsertionOrderIndependence: two caches with the same writes made in
// different orders commit to the same root.
func TestInsertionOrderIndependence(t *testing.T) {
	keys := []string{"k5", "k1", "k9", "k3", "k7", "k2"}
	hash := func(order []int) string {
		s := state.OpenMemory()
		c := state.NewCache(s)
		for _, i := range order {
			c.Set([]byte(keys[i]), []byte(keys[i]))
		}
		c.Write()
		h, _, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%X", h)
	}
	if a, b := hash([]int{0, 1, 2, 3, 4, 5}), hash([]int{5, 4, 3, 2, 1, 0}); a != b {
		t.Fatalf("root depends on write order: %s vs %s", a, b)
	}
}

func TestVersionsAndViews(t *testing.T) {
	s := state.OpenMemory()
	s.Set([]byte("x"), []byte("1"))
	h1, v1, _ := s.Commit()
	s.Set([]byte("x"), []byte("2"))
	_, v2, _ := s.Commit()
	if v1 != 1 || v2 != 2 {
		t.Fatalf("versions %d %d", v1, v2)
	}
	old, err := s.At(1)
	if err != nil {
		t.Fatal(err)
	}
	if string(old.Get([]byte("x"))) != "1" || fmt.Sprintf("%X", old.Hash()) != fmt.Sprintf("%X", h1) {
		t.Fatal("view of version 1 is wrong")
	}
	if _, err := s.At(7); err == nil {
		t.Fatal("missing version gave a view")
	}
	if state.PrefixEnd([]byte{1, 0xff}) == nil || string(state.PrefixEnd([]byte{1, 0xff})) != string([]byte{2}) || state.PrefixEnd([]byte{0xff}) != nil {
		t.Fatal("PrefixEnd")
	}
}
