package agenthost

import "testing"

// TestProgramsBounded: the compiled-agent cache keeps at most maxPrograms
// and drops the least recently called first. Before, it kept every agent
// ever called, so calling many agents once each grew a worker's memory
// without end.
func TestProgramsBounded(t *testing.T) {
	ps := programs{by: map[[32]byte]*program{}}
	hash := func(i int) [32]byte { return [32]byte{byte(i), byte(i >> 8)} }
	for i := range maxPrograms {
		ps.put(hash(i), &program{})
	}
	if _, ok := ps.get(hash(0)); !ok { // 0 is now the most recently used
		t.Fatal("agent 0 missing before the cache was full")
	}
	ps.put(hash(maxPrograms), &program{})
	if len(ps.by) != maxPrograms {
		t.Fatalf("%d programs kept, want %d", len(ps.by), maxPrograms)
	}
	if _, ok := ps.by[hash(1)]; ok {
		t.Fatal("agent 1, the least recently used, was kept")
	}
	for _, i := range []int{0, 2, maxPrograms} {
		if _, ok := ps.by[hash(i)]; !ok {
			t.Fatalf("agent %d was dropped", i)
		}
	}
	ps.put(hash(2), &program{}) // replacing one drops nothing
	if len(ps.by) != maxPrograms {
		t.Fatalf("%d programs after replacing one, want %d", len(ps.by), maxPrograms)
	}
}
