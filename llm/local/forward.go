package local

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// State is one sequence being evaluated: its position and KV cache, plus
// scratch buffers. A State belongs to one goroutine; many States may share
// a Model.
type State struct {
	m   *Model
	pos int
	// keys and vals hold, per layer, pos rows of KVHeads·HeadDim values.
	keys, vals [][]float32

	x, xb, xb2, q, k, v, hb, hb2, att, logits []float32
	ropeCos, ropeSin                          []float32
}

// NewState returns an empty sequence for m; its KV cache grows with the
// positions evaluated, up to Config.ContextLength.
func (m *Model) NewState() *State {
	c := m.Config
	kv := c.KVHeads * c.HeadDim
	return &State{
		m:       m,
		keys:    make([][]float32, c.Layers),
		vals:    make([][]float32, c.Layers),
		x:       make([]float32, c.Dim),
		xb:      make([]float32, c.Dim),
		xb2:     make([]float32, c.Dim),
		q:       make([]float32, c.Heads*c.HeadDim),
		k:       make([]float32, kv),
		v:       make([]float32, kv),
		hb:      make([]float32, c.FFNDim),
		hb2:     make([]float32, c.FFNDim),
		logits:  make([]float32, c.Vocab),
		ropeCos: make([]float32, c.RopeDim/2),
		ropeSin: make([]float32, c.RopeDim/2),
	}
}

// Pos is the number of tokens evaluated so far.
func (s *State) Pos() int { return s.pos }

// Forward evaluates token at the next position and returns the logits
// over the vocabulary for the token after it; the slice is reused by the
// next call.
func (s *State) Forward(token int) ([]float32, error) {
	m, c := s.m, s.m.Config
	if token < 0 || token >= c.Vocab {
		return nil, fmt.Errorf("local: token %d is outside the vocabulary (%d)", token, c.Vocab)
	}
	if s.pos >= c.ContextLength {
		return nil, fmt.Errorf("local: context full (%d tokens)", c.ContextLength)
	}
	pos := s.pos
	copy(s.x, m.tokEmbd[token*c.Dim:(token+1)*c.Dim])
	s.ropeTable(pos)
	kvDim := c.KVHeads * c.HeadDim
	group := c.Heads / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(c.HeadDim)))
	if cap(s.att) < pos+1 {
		s.att = make([]float32, pos+1, 2*(pos+1))
	}
	att := s.att[:pos+1]

	for li := range m.layers {
		l := &m.layers[li]
		// Attention.
		rmsNorm(s.xb, s.x, l.attnNorm, c.NormEps)
		matmul(s.q, l.wq, s.xb)
		matmul(s.k, l.wk, s.xb)
		matmul(s.v, l.wv, s.xb)
		for h := 0; h < c.Heads; h++ {
			s.rope(s.q[h*c.HeadDim : (h+1)*c.HeadDim])
		}
		for h := 0; h < c.KVHeads; h++ {
			s.rope(s.k[h*c.HeadDim : (h+1)*c.HeadDim])
		}
		s.keys[li] = append(s.keys[li], s.k...)
		s.vals[li] = append(s.vals[li], s.v...)
		keys, vals := s.keys[li], s.vals[li]
		for h := 0; h < c.Heads; h++ {
			q := s.q[h*c.HeadDim : (h+1)*c.HeadDim]
			off := (h / group) * c.HeadDim
			for t := 0; t <= pos; t++ {
				att[t] = dot(q, keys[t*kvDim+off:t*kvDim+off+c.HeadDim]) * scale
			}
			softmax(att)
			out := s.xb[h*c.HeadDim : (h+1)*c.HeadDim]
			clear(out)
			for t := 0; t <= pos; t++ {
				a := att[t]
				v := vals[t*kvDim+off : t*kvDim+off+c.HeadDim]
				for i := range out {
					out[i] += a * v[i]
				}
			}
		}
		matmul(s.xb2, l.wo, s.xb[:c.Heads*c.HeadDim])
		for i := range s.x {
			s.x[i] += s.xb2[i]
		}
		// Feed-forward (SwiGLU).
		rmsNorm(s.xb, s.x, l.ffnNorm, c.NormEps)
		matmul(s.hb, l.wGate, s.xb)
		matmul(s.hb2, l.wUp, s.xb)
		for i, g := range s.hb {
			s.hb[i] = g / (1 + float32(math.Exp(float64(-g)))) * s.hb2[i]
		}
		matmul(s.xb2, l.wDown, s.hb)
		for i := range s.x {
			s.x[i] += s.xb2[i]
		}
	}
	rmsNorm(s.xb, s.x, m.outNorm, c.NormEps)
	matmul(s.logits, m.output, s.xb)
	s.pos++
	return s.logits, nil
}

// ropeTable fills the rotation table for pos the way ggml does for
// LLAMA_ROPE_TYPE_NORM: theta_i = pos·base^(-2i/n), computed by repeated
// float32 multiplication.
func (s *State) ropeTable(pos int) {
	c := s.m.Config
	thetaScale := float32(math.Pow(c.RopeBase, -2/float64(c.RopeDim)))
	theta := float32(pos)
	for i := range s.ropeCos {
		s.ropeCos[i] = float32(math.Cos(float64(theta)))
		s.ropeSin[i] = float32(math.Sin(float64(theta)))
		theta *= thetaScale
	}
}

// rope rotates consecutive pairs (2i, 2i+1) of the head's first RopeDim
// values: GGUF Llama models store q/k weights permuted for this "normal"
// (not NeoX) rotation.
func (s *State) rope(head []float32) {
	for i := range s.ropeCos {
		cos, sin := s.ropeCos[i], s.ropeSin[i]
		x0, x1 := head[2*i], head[2*i+1]
		head[2*i] = x0*cos - x1*sin
		head[2*i+1] = x0*sin + x1*cos
	}
}

// rmsNorm sets dst to x / sqrt(mean(x²) + eps) · w.
func rmsNorm(dst, x, w []float32, eps float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	scale := float32(1 / math.Sqrt(float64(float32(ss/float64(len(x)))+eps)))
	for i, v := range x {
		dst[i] = v * scale * w[i]
	}
}

// softmax normalizes x in place.
func softmax(x []float32) {
	maxv := x[0]
	for _, v := range x[1:] {
		if v > maxv {
			maxv = v
		}
	}
	var sum float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - maxv)))
		x[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// dot is the float32 dot product of a and b (len(b) ≥ len(a)).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// parallelWork is the matrix size (rows × columns) from which matmul
// splits its rows across goroutines; below it the goroutines cost more
// than they save.
const parallelWork = 1 << 18

// matmul sets out = W·x for W with len(out) rows of len(x) columns.
func matmul(out, w, x []float32) {
	n := len(x)
	rows := len(out)
	workers := runtime.GOMAXPROCS(0)
	if rows*n < parallelWork || workers < 2 {
		for r := range out {
			out[r] = dot(x, w[r*n:(r+1)*n])
		}
		return
	}
	if workers > rows {
		workers = rows
	}
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for lo := 0; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		wg.Go(func() {
			for r := lo; r < hi; r++ {
				out[r] = dot(x, w[r*n:(r+1)*n])
			}
		})
	}
	wg.Wait()
}
