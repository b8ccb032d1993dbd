package gguf

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantizeRoundTrip quantizes random values to each supported type and
// checks the decoded values stay within the type's resolution.
func TestQuantizeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vals := make([]float32, 4*QK)
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	for _, tc := range []struct {
		typ TensorType
		tol float64 // largest error relative to the largest magnitude
	}{
		{TypeF32, 0}, {TypeF16, 1e-3}, {TypeBF16, 1e-2}, {TypeQ8_0, 0.01},
		{TypeQ4_0, 0.15}, {TypeQ4_K, 0.15}, {TypeQ5_K, 0.08}, {TypeQ6_K, 0.04},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			raw, err := Quantize(tc.typ, vals)
			if err != nil {
				t.Fatal(err)
			}
			if want := uint64(len(vals)) / tc.typ.BlockSize() * tc.typ.BlockBytes(); uint64(len(raw)) != want {
				t.Fatalf("%d bytes, want %d", len(raw), want)
			}
			got, err := Dequantize(tc.typ, raw, uint64(len(vals)))
			if err != nil {
				t.Fatal(err)
			}
			var worst, amax float64
			for i, v := range vals {
				worst = max(worst, math.Abs(float64(got[i]-v)))
				amax = max(amax, math.Abs(float64(v)))
			}
			if worst > tc.tol*amax {
				t.Fatalf("largest error %g is over %g of the largest value %g", worst, tc.tol, amax)
			}
		})
	}
}

// TestQuantizeRefusals checks the refusals name the type or the block size.
func TestQuantizeRefusals(t *testing.T) {
	if _, err := Quantize(TypeQ2_K, make([]float32, QK)); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("Q2_K: %v", err)
	}
	if _, err := Quantize(TypeQ4_K, make([]float32, 32)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Q4_K of 32 values: %v", err)
	}
	if _, err := Dequantize(TypeQ6_K, make([]byte, 209), QK); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short Q6_K: %v", err)
	}
}
