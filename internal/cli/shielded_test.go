package cli

import (
	"strings"
	"testing"

	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// TestPick checks the wallet's note choice: the fewest of the largest
// notes that cover the need, at most two, and a clear refusal otherwise.
func TestPick(t *testing.T) {
	owned := func(vs ...uint64) []wallet.Owned {
		out := make([]wallet.Owned, len(vs))
		for i, v := range vs {
			out[i] = wallet.Owned{Note: note.Note{Value: v}, Index: uint64(i)}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		notes   []wallet.Owned
		need    uint64
		want    []uint64 // indexes picked
		total   uint64
		wantErr string
	}{
		{"one covers", owned(5, 50, 20), 40, []uint64{1}, 50, ""},
		{"two needed", owned(5, 30, 20), 45, []uint64{1, 2}, 50, ""},
		{"exact", owned(10, 30), 40, []uint64{1, 0}, 40, ""},
		{"three would be needed", owned(20, 20, 20), 45, nil, 40, "at most two notes"},
		{"none", nil, 1, nil, 0, "insufficient shielded funds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := pick(tc.notes, tc.need)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || total != tc.total || len(got) != len(tc.want) {
				t.Fatalf("got %v total %d err %v, want %v total %d", got, total, err, tc.want, tc.total)
			}
			for i := range got {
				if got[i].Index != tc.want[i] {
					t.Fatalf("picked %v, want indexes %v", got, tc.want)
				}
			}
		})
	}
}
