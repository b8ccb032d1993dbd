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
	// keys and vals hold, per layer, pos rows of KVHeads·HeadDim values,
	// rounded to half precision as llama.cpp's F16 cache holds them.
	keys, vals [][]float32

	x, xb, xb2, q, k, v, hb, hb2, att, logits []float32
	ropeCos, ropeSin                          []float32
	qv                                        qvec
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
	if err := m.tokEmbd.row(s.x, token); err != nil {
		return nil, fmt.Errorf("local: embedding of token %d: %w", token, err)
	}
	s.ropeTable(s.pos)
	if cap(s.att) < s.pos+1 {
		s.att = make([]float32, s.pos+1, 2*(s.pos+1))
	}
	for li := range m.layers {
		s.attention(li)
		s.feedForward(&m.layers[li])
	}
	rmsNorm(s.xb, s.x, m.outNorm, c.NormEps) // xb stays the final hidden state (see hidden)
	matmul(s.logits, m.output, s.xb, &s.qv)
	s.pos++
	return s.logits, nil
}

// attention adds layer li's self-attention over positions 0..pos to x.
func (s *State) attention(li int) {
	c, l := s.m.Config, &s.m.layers[li]
	pos, kvDim := s.pos, c.KVHeads*c.HeadDim
	group := c.Heads / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(c.HeadDim)))
	att := s.att[:pos+1]
	rmsNorm(s.xb, s.x, l.attnNorm, c.NormEps)
	s.qv.prepare(l.wq.typ, s.xb)
	matmulPrepared(s.q, l.wq, &s.qv)
	matmulPrepared(s.k, l.wk, &s.qv)
	matmulPrepared(s.v, l.wv, &s.qv)
	addBias(s.q, l.bq)
	addBias(s.k, l.bk)
	addBias(s.v, l.bv)
	for h := 0; h < c.Heads; h++ {
		s.rope(s.q[h*c.HeadDim : (h+1)*c.HeadDim])
	}
	for h := 0; h < c.KVHeads; h++ {
		s.rope(s.k[h*c.HeadDim : (h+1)*c.HeadDim])
	}
	for i := range s.k {
		s.k[i], s.v[i] = roundHalf(s.k[i]), roundHalf(s.v[i])
	}
	for i := range s.q {
		s.q[i] = roundHalf(s.q[i])
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
			a := roundHalf(att[t])
			v := vals[t*kvDim+off : t*kvDim+off+c.HeadDim]
			for i := range out {
				out[i] += a * v[i]
			}
		}
	}
	matmul(s.xb2, l.wo, s.xb[:c.Heads*c.HeadDim], &s.qv)
	for i := range s.x {
		s.x[i] += s.xb2[i]
	}
}

// feedForward adds the layer's SwiGLU feed-forward network to x.
func (s *State) feedForward(l *layer) {
	c := s.m.Config
	rmsNorm(s.xb, s.x, l.ffnNorm, c.NormEps)
	s.qv.prepare(l.wGate.typ, s.xb)
	matmulPrepared(s.hb, l.wGate, &s.qv)
	if l.wUp.typ != l.wGate.typ {
		s.qv.prepare(l.wUp.typ, s.xb)
	}
	matmulPrepared(s.hb2, l.wUp, &s.qv)
	for i, g := range s.hb {
		s.hb[i] = g / (1 + float32(math.Exp(float64(-g)))) * s.hb2[i]
	}
	matmul(s.xb2, l.wDown, s.hb, &s.qv)
	for i := range s.x {
		s.x[i] += s.xb2[i]
	}
}

// addBias adds b to x when the layer has a bias.
func addBias(x, b []float32) {
	for i := range b {
		x[i] += b[i]
	}
}

// Rewind forgets every position from n on, so the sequence continues
// after its first n tokens: a new turn that shares a prefix with the
// previous one evaluates only what follows the prefix.
func (s *State) Rewind(n int) error {
	if n < 0 || n > s.pos {
		return fmt.Errorf("local: rewind to %d outside the %d evaluated positions", n, s.pos)
	}
	kvDim := s.m.Config.KVHeads * s.m.Config.HeadDim
	for li := range s.keys {
		s.keys[li] = s.keys[li][:n*kvDim]
		s.vals[li] = s.vals[li][:n*kvDim]
	}
	s.pos = n
	return nil
}

// ropeTable fills the rotation table for pos the way ggml does:
// theta_i = scale·pos·base^(-2i/n) / freq_factor_i, base^(-2i/n) by
// repeated float32 multiplication.
func (s *State) ropeTable(pos int) {
	c := s.m.Config
	thetaScale := float32(math.Pow(c.RopeBase, -2/float64(c.RopeDim)))
	theta := float32(pos)
	for i := range s.ropeCos {
		t := float32(c.RopeScale) * theta
		if s.m.ropeFreqs != nil {
			t = float32(c.RopeScale) * theta / s.m.ropeFreqs[i]
		}
		s.ropeCos[i] = float32(math.Cos(float64(t)))
		s.ropeSin[i] = float32(math.Sin(float64(t)))
		theta *= thetaScale
	}
}

// rope rotates the head's first RopeDim values: consecutive pairs (2i,
// 2i+1) for llama (GGUF llama files store q/k weights permuted for it),
// pairs (i, i+RopeDim/2) for NeoX-style models such as qwen2.
func (s *State) rope(head []float32) {
	half := len(s.ropeCos)
	for i := range s.ropeCos {
		cos, sin := s.ropeCos[i], s.ropeSin[i]
		a, b := 2*i, 2*i+1
		if s.m.Config.RopeNeox {
			a, b = i, i+half
		}
		x0, x1 := head[a], head[b]
		head[a] = x0*cos - x1*sin
		head[b] = x0*sin + x1*cos
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
const parallelWork = 1 << 16

// matmul sets out = W·x for W with len(out) rows of len(x) columns,
// preparing x for W's encoding in v first.
func matmul(out []float32, w *qmatrix, x []float32, v *qvec) {
	v.prepare(w.typ, x)
	matmulPrepared(out, w, v)
}

// matmulPrepared sets out = W·x for x already prepared in v, the rows
// split across GOMAXPROCS goroutines when the matrix is large.
func matmulPrepared(out []float32, w *qmatrix, v *qvec) {
	rows := len(out)
	workers := runtime.GOMAXPROCS(0)
	if rows*w.cols < parallelWork || workers < 2 {
		for r := range out {
			out[r] = w.dotRow(r, v)
		}
		return
	}
	workers = min(workers, rows)
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for lo := chunk; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		wg.Go(func() {
			for r := lo; r < hi; r++ {
				out[r] = w.dotRow(r, v)
			}
		})
	}
	for r := range min(chunk, rows) {
		out[r] = w.dotRow(r, v)
	}
	wg.Wait()
}
