package sealed

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestJournalGroupCommit: records appended while another write is under
// way go to the file together, in one write, and each Append returns only
// once its record is in the file (a reopen, as after a crash, has it).
func TestJournalGroupCommit(t *testing.T) {
	dir := t.TempDir()
	_, j := openJournal(t, dir)
	appendAll(t, j, "first")
	const n = 32
	// Holding mu stands for a write under way: the n appends queue behind it.
	j.mu.Lock()
	var wg sync.WaitGroup
	returned := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			rec := fmt.Sprintf("call %02d", i)
			if err := j.Append([]byte(rec)); err != nil {
				t.Error(err)
				return
			}
			// The record is in the file when Append returns.
			_, j2, err := openAgain(dir)
			if err != nil {
				t.Error(err)
				return
			}
			if !slices.Contains(j2, rec) {
				t.Errorf("%s: Append returned before its record was in the file", rec)
			}
			returned <- rec
		})
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		j.qmu.Lock()
		queued := len(j.queue)
		j.qmu.Unlock()
		if queued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d appends queued", queued, n)
		}
	}
	select {
	case rec := <-returned:
		t.Fatalf("%s returned before any write", rec)
	default:
	}
	writes := j.writes
	j.mu.Unlock()
	wg.Wait()
	if got := j.writes - writes; got != 1 {
		t.Fatalf("%d concurrent appends took %d writes, want 1", n, got)
	}
	recs, err := j.Records()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 || string(recs[0]) != "first" {
		t.Fatalf("%d records after the group, want %d starting with the first", len(recs), n+1)
	}
	appendAll(t, j, "after")
	_, all, err := openAgain(dir)
	if err != nil || len(all) != n+2 || all[n+1] != "after" {
		t.Fatalf("reopened: %d records (%v), want %d ending with the one after the group", len(all), err, n+2)
	}
}

// openAgain opens the journal afresh over dir, as a restarted worker does,
// and returns its records as strings.
func openAgain(dir string) (*Journal, []string, error) {
	s, err := Open(dir, bytes.Repeat([]byte{7}, 32), "test-store")
	if err != nil {
		return nil, nil, err
	}
	j, recs, err := s.Journal("receipts")
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r)
	}
	return j, out, err
}
