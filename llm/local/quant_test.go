package local

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/phalanetwork/phala/llm/gguf"
)

// TestKernelsMatchPortable checks each weight type's row dot product
// (the AVX2 kernels where they run) against dequantizing the row and the
// activation and summing in float64, and against the type's plain Go loop, on random rows with extreme bytes
// (Q8_0 weights of -128, all-nibbles-15 K-quants) mixed in.
func TestKernelsMatchPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const cols = 4 * gguf.QK
	x := make([]float32, cols)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	half := newHalfTable()
	for _, typ := range []gguf.TensorType{gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16, gguf.TypeQ8_0,
		gguf.TypeQ4_0, gguf.TypeQ4_K, gguf.TypeQ5_K, gguf.TypeQ6_K} {
		t.Run(typ.String(), func(t *testing.T) {
			for trial := range 20 {
				vals := make([]float32, cols)
				for i := range vals {
					vals[i] = float32(rng.NormFloat64())
				}
				raw, err := gguf.Quantize(typ, vals)
				if err != nil {
					t.Fatal(err)
				}
				if trial%5 == 4 { // hostile bytes: anything a file may hold, scales kept finite
					for i := range raw {
						raw[i] = byte(rng.IntN(256))
					}
					sanitizeScales(typ, raw)
				}
				w := &qmatrix{typ: typ, rows: 1, cols: cols, rowBytes: len(raw), data: raw, half: half}
				var v qvec
				v.prepare(typ, x)
				got := w.dotRow(0, &v)
				wf, err := gguf.Dequantize(typ, raw, cols)
				if err != nil {
					t.Fatal(err)
				}
				xf := preparedValues(typ, &v, x)
				var want, mag float64
				for i := range wf {
					want += float64(wf[i]) * float64(xf[i])
					mag += math.Abs(float64(wf[i]) * float64(xf[i]))
				}
				if d := math.Abs(float64(got) - want); d > 1e-4*mag+1e-6 {
					t.Fatalf("trial %d: dot %v, want %v (|terms| %v)", trial, got, want, mag)
				}
				if p, ok := portableDot(w, &v); ok && math.Abs(float64(got-p)) > 1e-4*mag+1e-6 {
					t.Fatalf("trial %d: dot %v, the portable Go loop %v (|terms| %v)", trial, got, p, mag)
				}
			}
		})
	}
}

// portableDot is row 0 of w times v by the plain Go loop of a type that
// has an AVX2 kernel, or false for the others.
func portableDot(w *qmatrix, v *qvec) (float32, bool) {
	switch w.typ {
	case gguf.TypeF16:
		return dotF16(w.data, v.f, w.half), true
	case gguf.TypeQ8_0:
		return dotQ8_0(w.data, v.q, v.d, w.half), true
	case gguf.TypeQ4_K:
		return dotQ4K(w.data, v, w.half), true
	}
	return 0, false
}

// preparedValues is the activation as the kernels see it, as float32s.
func preparedValues(typ gguf.TensorType, v *qvec, x []float32) []float32 {
	switch typ {
	case gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16:
		return v.f
	}
	block := 32
	if len(v.bsums) > 0 && typ != gguf.TypeQ8_0 && typ != gguf.TypeQ4_0 {
		block = gguf.QK
	}
	out := make([]float32, len(x))
	for i := range out {
		out[i] = v.d[i/block] * float32(v.q[i])
	}
	return out
}

// sanitizeScales overwrites the f16 scales of random blocks with a small
// finite value, so the sums stay comparable.
func sanitizeScales(typ gguf.TensorType, raw []byte) {
	put := func(off int) { raw[off], raw[off+1] = 0x00, 0x2c } // 1/16
	bs := int(typ.BlockBytes())
	for b := 0; b+bs <= len(raw) && typ.BlockSize() > 1; b += bs {
		switch typ {
		case gguf.TypeQ8_0, gguf.TypeQ4_0:
			put(b)
		case gguf.TypeQ4_K, gguf.TypeQ5_K:
			put(b)
			put(b + 2)
		case gguf.TypeQ6_K:
			put(b + 208)
		}
	}
	if typ == gguf.TypeF16 || typ == gguf.TypeBF16 || typ == gguf.TypeF32 {
		clear(raw) // random bit patterns include NaN and Inf
	}
}

// TestBatchKernelsMatchRows multiplies F16 and quantized matrices by six
// vectors at once (the F16 two-vector kernel, where it runs) and checks
// each output equals the row-by-row dot product, bit for bit, on widths
// that leave 8-value and shorter tails.
func TestBatchKernelsMatchRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	half := newHalfTable()
	for _, c := range []struct {
		typ  gguf.TensorType
		cols int
	}{
		{gguf.TypeF16, 1048}, {gguf.TypeF16, 1028}, {gguf.TypeF16, 8}, {gguf.TypeQ8_0, 512}, {gguf.TypeQ4_K, 768},
	} {
		t.Run(fmt.Sprintf("%s/%d", c.typ, c.cols), func(t *testing.T) {
			const rows, vecs = 37, 6
			w := make([]float32, rows*c.cols)
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			raw, err := gguf.Quantize(c.typ, w)
			if err != nil {
				t.Fatal(err)
			}
			m := &qmatrix{typ: c.typ, rows: rows, cols: c.cols, rowBytes: len(raw) / rows, data: raw, half: half}
			vs := make([]qvec, vecs)
			for i := range vs {
				x := make([]float32, c.cols)
				for j := range x {
					x[j] = float32(rng.NormFloat64())
				}
				vs[i].prepare(c.typ, x)
			}
			out := make([]float32, vecs*rows)
			matmulBatch(out, m, vs)
			for v := range vs {
				for r := range rows {
					want := m.dotRow(r, &vs[v])
					if got := out[v*rows+r]; got != want {
						t.Fatalf("vector %d row %d: %v, row by row %v", v, r, got, want)
					}
				}
			}
		})
	}
}

// TestNearestInt checks the float trick against math.RoundToEven on ties,
// near-ties, signs and the range the quantizers use.
func TestNearestInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	vals := []float32{0, float32(math.Copysign(0, -1)), 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, 127.49999, -127.5, 127, -127, 0.49999997}
	for range 100000 {
		vals = append(vals, float32(rng.NormFloat64()*60))
	}
	for _, f := range vals {
		if got, want := nearestInt(f), int32(math.RoundToEven(float64(f))); got != want {
			t.Fatalf("nearestInt(%v) = %d, want %d", f, got, want)
		}
	}
}

// TestRoundHalvesMatchesRoundHalf checks the vector half-precision
// rounding (F16C where it runs) against the scalar one on every half
// value, the midpoints between neighbours (ties), their float32
// neighbours, and random floats across the exponent range.
func TestRoundHalvesMatchesRoundHalf(t *testing.T) {
	var src []float32
	for h := range 1 << 16 {
		f := gguf.HalfToFloat32(uint16(h))
		next := gguf.HalfToFloat32(uint16(h + 1))
		mid := float32((float64(f) + float64(next)) / 2)
		src = append(src, f, mid, math.Nextafter32(mid, float32(math.Inf(1))), math.Nextafter32(mid, float32(math.Inf(-1))))
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 1 << 16 {
		src = append(src, math.Float32frombits(rng.Uint32()))
	}
	src = append(src, 1, 2, 3) // a tail past the last multiple of 8
	dst := make([]float32, len(src))
	roundHalves(dst, src)
	for i, a := range src {
		want := roundHalf(a)
		if math.Float32bits(dst[i]) != math.Float32bits(want) && !(dst[i] != dst[i] && want != want) {
			t.Fatalf("roundHalves(%v [%#x]) = %v, roundHalf %v", a, math.Float32bits(a), dst[i], want)
		}
	}
}
