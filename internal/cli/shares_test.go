package cli

import (
	"strings"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

func TestPrintHolding(t *testing.T) {
	who := address.Module("test-holder")
	tests := []struct {
		name string
		q    *waiting
		want []string
	}{
		{"no withdrawal", nil, []string{
			who.String() + " holds 3 shares worth 12PHA",
		}},
		{"waiting", &waiting{Seq: 7, Shares: pha.Whole(1), Value: pha.Whole(4)}, []string{
			who.String() + " holds 3 shares worth 12PHA",
			"  and waits for #7: 1 shares worth 4PHA",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			printHolding(&b, who, pha.Whole(3), pha.Whole(12), tt.q)
			want := strings.Join(tt.want, "\n") + "\n"
			if b.String() != want {
				t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
			}
		})
	}
}
