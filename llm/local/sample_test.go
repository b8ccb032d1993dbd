package local

import (
	"math"
	"testing"
)

func TestArgmax(t *testing.T) {
	if got := Argmax([]float32{1, 3, 3, 2}); got != 1 {
		t.Errorf("tie went to %d", got)
	}
	if got := NewSampler(0, 1, 1).Sample([]float32{0, -1, 5, 4.9}); got != 2 {
		t.Errorf("greedy picked %d", got)
	}
}

func TestSamplerSeeded(t *testing.T) {
	logits := []float32{1, 0.5, 0.2, 0, -0.3, 0.8, 0.1, 0.4}
	draw := func(seed uint64) []int {
		s := NewSampler(1, 1, seed)
		out := make([]int, 64)
		for i := range out {
			out[i] = s.Sample(logits)
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d", i)
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("different seeds gave the same draws")
	}
}

func TestSamplerDistribution(t *testing.T) {
	// Probabilities at temperature 1: softmax(log p) = p.
	p := []float64{0.5, 0.3, 0.15, 0.05}
	logits := make([]float32, len(p))
	for i, x := range p {
		logits[i] = float32(math.Log(x))
	}
	count := func(temp, topP float64) []int {
		s := NewSampler(temp, topP, 42)
		n := make([]int, len(p))
		for range 20000 {
			n[s.Sample(logits)]++
		}
		return n
	}
	n := count(1, 1)
	for i, x := range p {
		if got := float64(n[i]) / 20000; math.Abs(got-x) > 0.02 {
			t.Errorf("token %d drawn %.3f of the time, want %.2f", i, got, x)
		}
	}
	// top-p 0.75 keeps {0.5, 0.3}: nothing else is ever drawn, and the
	// two keep their ratio 5:3.
	n = count(1, 0.75)
	if n[2] != 0 || n[3] != 0 {
		t.Errorf("top-p 0.75 drew outside the nucleus: %v", n)
	}
	if r := float64(n[0]) / float64(n[0]+n[1]); math.Abs(r-0.625) > 0.02 {
		t.Errorf("nucleus ratio %.3f, want 0.625", r)
	}
	// top-p below the top probability keeps the top token only.
	if n = count(1, 0.4); n[0] != 20000 {
		t.Errorf("top-p 0.4: %v", n)
	}
	// A high temperature flattens, a low one sharpens (0.2: p⁵, top 92.5%).
	if hot, cold := count(5, 1), count(0.2, 1); hot[3] <= n[3] || cold[0] < 18000 || hot[3] < 2000 {
		t.Errorf("temperature 5: %v, 0.2: %v", hot, cold)
	}
}
