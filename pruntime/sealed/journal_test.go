package sealed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func openJournal(t testing.TB, dir string) (*Store, *Journal) {
	t.Helper()
	s, err := Open(dir, bytes.Repeat([]byte{7}, 32), "test-store")
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := s.Journal("receipts")
	if err != nil {
		t.Fatal(err)
	}
	return s, j
}

func appendAll(t *testing.T, j *Journal, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if err := j.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
}

func wantRecords(t *testing.T, j *Journal, want ...string) {
	t.Helper()
	got, err := j.Records()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("records %q, want %q", got, want)
	}
}

func journalFile(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+Suffix))
	if len(files) != 1 {
		t.Fatalf("%d sealed files", len(files))
	}
	return files[0]
}

// TestJournalSurvivesReopen: records come back in order after the journal
// is opened again, as after a crash, and Reset empties it. The plaintext
// and the name never reach the disk.
func TestJournalSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	_, j := openJournal(t, dir)
	wantRecords(t, j)
	appendAll(t, j, "canary-receipt-1", "canary-receipt-2")
	_, j = openJournal(t, dir)
	wantRecords(t, j, "canary-receipt-1", "canary-receipt-2")
	appendAll(t, j, "canary-receipt-3")
	wantRecords(t, j, "canary-receipt-1", "canary-receipt-2", "canary-receipt-3")
	path := journalFile(t, dir)
	raw, _ := os.ReadFile(path)
	for _, needle := range []string{"canary-receipt", "receipts"} {
		if bytes.Contains(raw, []byte(needle)) || bytes.Contains([]byte(path), []byte(needle)) {
			t.Fatalf("the journal file reveals %q", needle)
		}
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	wantRecords(t, j)
	appendAll(t, j, "after reset")
	_, j = openJournal(t, dir)
	wantRecords(t, j, "after reset")
}

// TestJournalCutOffTail: a record cut short by a crash in the middle of a
// write is dropped on open, and the next record takes its place.
func TestJournalCutOffTail(t *testing.T) {
	dir := t.TempDir()
	_, j := openJournal(t, dir)
	appendAll(t, j, "one", "two")
	path := journalFile(t, dir)
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, raw[:len(raw)-5], 0o600); err != nil {
		t.Fatal(err)
	}
	_, j = openJournal(t, dir)
	wantRecords(t, j, "one")
	appendAll(t, j, "three")
	_, j = openJournal(t, dir)
	wantRecords(t, j, "one", "three")
}

// TestJournalTampering: the host cannot alter, reorder or repeat records.
func TestJournalTampering(t *testing.T) {
	frames := func(raw []byte) [][]byte {
		var out [][]byte
		for off := 0; off < len(raw); {
			n := int(raw[off])<<24 | int(raw[off+1])<<16 | int(raw[off+2])<<8 | int(raw[off+3])
			out = append(out, raw[off:off+4+n])
			off += 4 + n
		}
		return out
	}
	cases := []struct {
		name   string
		change func(raw []byte) []byte
	}{
		{"a flipped bit", func(raw []byte) []byte { raw[len(raw)-1] ^= 1; return raw }},
		{"records swapped", func(raw []byte) []byte { f := frames(raw); return bytes.Join([][]byte{f[1], f[0]}, nil) }},
		{"a record repeated", func(raw []byte) []byte { f := frames(raw); return bytes.Join([][]byte{f[0], f[0], f[1]}, nil) }},
		{"an impossible length", func(raw []byte) []byte { raw[0] = 0xff; return raw }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, j := openJournal(t, dir)
			appendAll(t, j, "first", "second")
			path := journalFile(t, dir)
			raw, _ := os.ReadFile(path)
			if err := os.WriteFile(path, tc.change(raw), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Journal("receipts"); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open after tampering: %v", err)
			}
			if _, err := j.Records(); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("records after tampering: %v", err)
			}
		})
	}
	// Another journal's records do not open under this one's name.
	dir := t.TempDir()
	s, j := openJournal(t, dir)
	appendAll(t, j, "first")
	raw, _ := os.ReadFile(journalFile(t, dir))
	other, _, err := s.Journal("other")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other.path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Records(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a record moved between journals: %v", err)
	}
}

func BenchmarkJournalAppend(b *testing.B) {
	s, err := Open(b.TempDir(), bytes.Repeat([]byte{7}, 32), "bench")
	if err != nil {
		b.Fatal(err)
	}
	j, _, err := s.Journal("receipts")
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 120)
	for b.Loop() {
		if err := j.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzJournalFile: whatever the host leaves in a journal's file, opening
// it either fails with ErrCorrupt or yields records, and never panics.
func FuzzJournalFile(f *testing.F) {
	dir := f.TempDir()
	_, j := openJournal(f, dir)
	_ = j.Append([]byte("seed record"))
	_ = j.Append([]byte("another"))
	path, _ := filepath.Glob(filepath.Join(dir, "*"+Suffix))
	if len(path) == 1 {
		raw, _ := os.ReadFile(path[0])
		f.Add(raw)
		f.Add(raw[:len(raw)-3])
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
	f.Fuzz(func(t *testing.T, file []byte) {
		dir := t.TempDir()
		s, j := openJournal(t, dir)
		if err := os.WriteFile(j.path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		j2, recs, err := s.Journal("receipts")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v", err)
			}
			return
		}
		again, err := j2.Records()
		if err != nil || len(again) != len(recs) {
			t.Fatalf("records after a clean open: %d, %v; open gave %d", len(again), err, len(recs))
		}
		if err := j2.Append([]byte("after")); err != nil {
			t.Fatal(err)
		}
	})
}
