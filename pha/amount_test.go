package pha

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseAndFormat(t *testing.T) {
	tests := []struct {
		in      string
		units   string
		pha     string
		wantErr bool
	}{
		{in: "1.5PHA", units: "1500000000000", pha: "1.5PHA"},
		{in: "1PHA", units: "1000000000000", pha: "1PHA"},
		{in: "2 pha", units: "2000000000000", pha: "2PHA"},
		{in: ".000000000001PHA", units: "1", pha: "0.000000000001PHA"},
		{in: "0PHA", units: "0", pha: "0PHA"},
		{in: "1500", units: "1500", pha: "0.0000000015PHA"},
		{in: "1000000000PHA", units: "1000000000000000000000", pha: "1000000000PHA"},
		{in: "340282366920938463463374607431768211455", units: "340282366920938463463374607431768211455", pha: "340282366920938463463374607.431768211455PHA"},
		{in: "340282366920938463463374607431768211456", wantErr: true},
		{in: "1.0000000000001PHA", wantErr: true},
		{in: "1.5", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "PHA", wantErr: true},
		{in: "", wantErr: true},
		{in: "1x", wantErr: true},
		{in: "1.PHA", units: "1000000000000", pha: "1PHA"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := Parse(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want error", tt.in, a)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if a.String() != tt.units || a.PHA() != tt.pha {
				t.Fatalf("Parse(%q) = %s / %s, want %s / %s", tt.in, a, a.PHA(), tt.units, tt.pha)
			}
			back, err := Parse(a.PHA())
			if err != nil || back != a {
				t.Fatalf("round trip of %s: %s, %v", a.PHA(), back, err)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	max, _ := Parse("340282366920938463463374607431768211455")
	if _, err := max.Add(Units(1)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("max+1: %v, want overflow", err)
	}
	if _, err := Units(1).Sub(Units(2)); !errors.Is(err, ErrUnderflow) {
		t.Fatalf("1-2: %v, want underflow", err)
	}
	lo := Units(^uint64(0))
	sum, err := lo.Add(Units(1))
	if err != nil || sum.String() != "18446744073709551616" {
		t.Fatalf("carry: %s, %v", sum, err)
	}
	diff, err := sum.Sub(Units(1))
	if err != nil || diff != lo {
		t.Fatalf("borrow: %s, %v", diff, err)
	}
	q, err := Whole(1000).MulDiv(Units(8), Units(10))
	if err != nil || q != Whole(800) {
		t.Fatalf("MulDiv: %s, %v", q, err)
	}
	if Units(1).Cmp(Units(2)) != -1 || Whole(1).Cmp(Units(1)) != 1 || Whole(3).Cmp(Whole(3)) != 0 {
		t.Fatal("Cmp")
	}
	b, _ := FromBytes(max.Bytes())
	if b != max {
		t.Fatal("bytes round trip")
	}
}

func TestJSON(t *testing.T) {
	var v struct{ A Amount }
	if err := json.Unmarshal([]byte(`{"A":"2.25PHA"}`), &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"A":"2250000000000"}` {
		t.Fatalf("got %s", out)
	}
}
