package local

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/phalanetwork/phala/llm/gguf"
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

	b                batch
	att, logits      []float32
	ropeCos, ropeSin []float32
}

// maxBatch is the most tokens evaluated together; a longer run goes in
// chunks of it, which bounds the scratch (maxBatch rows of each activation).
const maxBatch = 64

// batch is the scratch of the tokens evaluated together: n rows of each
// activation and one prepared vector per token.
type batch struct {
	n                                int
	x, xb, xb2, q, k, v, ao, hb, hb2 []float32
	qv                               []qvec
	kind                             actKind // how qv holds its rows
}

// NewState returns an empty sequence for m; its KV cache grows with the
// positions evaluated, up to Config.ContextLength.
func (m *Model) NewState() *State {
	c := m.Config
	return &State{
		m:       m,
		keys:    make([][]float32, c.Layers),
		vals:    make([][]float32, c.Layers),
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
	return s.ForwardBatch([]int{token})
}

// ForwardBatch evaluates tokens at the next positions and returns the
// logits for the token after the last, as Forward on each in turn would,
// but together (up to maxBatch at a time): each weight row is read once
// for all of them. Nothing is evaluated when a token is outside the
// vocabulary or the tokens do not fit in the context.
func (s *State) ForwardBatch(tokens []int) ([]float32, error) {
	c := s.m.Config
	if len(tokens) == 0 {
		return nil, fmt.Errorf("local: no tokens to evaluate")
	}
	for _, tok := range tokens {
		if tok < 0 || tok >= c.Vocab {
			return nil, fmt.Errorf("local: token %d is outside the vocabulary (%d)", tok, c.Vocab)
		}
	}
	if s.pos+len(tokens) > c.ContextLength {
		return nil, fmt.Errorf("local: context full (%d tokens): %d more after %d", c.ContextLength, len(tokens), s.pos)
	}
	for len(tokens) > 0 {
		n := min(len(tokens), maxBatch)
		if err := s.evaluate(tokens[:n]); err != nil {
			return nil, err
		}
		tokens = tokens[n:]
	}
	return s.logits, nil
}

// evaluate runs the model on at most maxBatch checked tokens and leaves
// the logits after the last in s.logits.
func (s *State) evaluate(tokens []int) error {
	m, c := s.m, s.m.Config
	b := s.batchOf(len(tokens))
	for t, tok := range tokens {
		if err := m.tokEmbd.row(b.x[t*c.Dim:(t+1)*c.Dim], tok); err != nil {
			return fmt.Errorf("local: embedding of token %d: %w", tok, err)
		}
	}
	if cap(s.att) < s.pos+b.n {
		s.att = make([]float32, s.pos+b.n, 2*(s.pos+b.n))
	}
	for li := range m.layers {
		s.attention(li)
		s.feedForward(&m.layers[li])
	}
	// Only the last token's logits are wanted.
	last := b.x[(b.n-1)*c.Dim : b.n*c.Dim]
	rmsNorm(b.xb[:c.Dim], last, m.outNorm, c.NormEps) // the final hidden state (see hidden)
	b.qv[0].prepare(m.output.typ, b.xb[:c.Dim])
	b.kind = actNone
	matmulBatch(s.logits, m.output, b.qv[:1])
	s.pos += b.n
	return nil
}

// batchOf readies the scratch for n tokens.
func (s *State) batchOf(n int) *batch {
	c, b := s.m.Config, &s.b
	qd, kv := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	b.n = n
	for _, f := range []struct {
		buf   *[]float32
		width int
	}{
		{&b.x, c.Dim}, {&b.xb, c.Dim}, {&b.xb2, c.Dim}, {&b.q, qd}, {&b.k, kv}, {&b.v, kv},
		{&b.ao, qd}, {&b.hb, c.FFNDim}, {&b.hb2, c.FFNDim},
	} {
		*f.buf = grow(*f.buf, n*f.width)
	}
	if len(b.qv) < n {
		b.qv = append(b.qv, make([]qvec, n-len(b.qv))...)
	}
	return b
}

// project sets the n rows of out to W times the n rows of x, preparing x
// for W's encoding first unless same says x is what the batch prepared
// last (unchanged since) and W takes it in the same encoding.
func (b *batch) project(out []float32, w *qmatrix, x []float32, same bool) {
	if k := actKindOf(w.typ); !same || k != b.kind {
		for t := range b.n {
			b.qv[t].prepare(w.typ, x[t*w.cols:(t+1)*w.cols])
		}
		b.kind = k
	}
	matmulBatch(out[:b.n*w.rows], w, b.qv[:b.n])
}

// attention adds layer li's self-attention to each token's row of x: the
// token at position pos+t attends to positions 0..pos+t.
func (s *State) attention(li int) {
	c, l, b := s.m.Config, &s.m.layers[li], &s.b
	d, qd, kvDim := c.Dim, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	for t := range b.n {
		rmsNorm(b.xb[t*d:(t+1)*d], b.x[t*d:(t+1)*d], l.attnNorm, c.NormEps)
	}
	b.project(b.q, l.wq, b.xb, false)
	b.project(b.k, l.wk, b.xb, true)
	b.project(b.v, l.wv, b.xb, true)
	for t := range b.n {
		q, k, v := b.q[t*qd:(t+1)*qd], b.k[t*kvDim:(t+1)*kvDim], b.v[t*kvDim:(t+1)*kvDim]
		addBias(q, l.bq)
		addBias(k, l.bk)
		addBias(v, l.bv)
		s.ropeTable(s.pos + t)
		for h := 0; h < c.Heads; h++ {
			s.rope(q[h*c.HeadDim : (h+1)*c.HeadDim])
		}
		for h := 0; h < c.KVHeads; h++ {
			s.rope(k[h*c.HeadDim : (h+1)*c.HeadDim])
		}
	}
	roundHalves(b.q, b.q[:b.n*qd])
	roundHalves(b.k, b.k[:b.n*kvDim])
	roundHalves(b.v, b.v[:b.n*kvDim])
	limit := c.ContextLength * kvDim
	s.keys[li] = appendRows(s.keys[li], b.k[:b.n*kvDim], limit)
	s.vals[li] = appendRows(s.vals[li], b.v[:b.n*kvDim], limit)
	for t := range b.n {
		s.attend(li, b.q[t*qd:(t+1)*qd], b.ao[t*qd:(t+1)*qd], s.pos+t)
	}
	b.project(b.xb2, l.wo, b.ao, false)
	for i := range b.n * d {
		b.x[i] += b.xb2[i]
	}
}

// attend sets out to the attention of query q (all heads) over positions
// 0..last of layer li's cache.
func (s *State) attend(li int, q, out []float32, last int) {
	c := s.m.Config
	kvDim, group := c.KVHeads*c.HeadDim, c.Heads/c.KVHeads
	scale := float32(1 / math.Sqrt(float64(c.HeadDim)))
	att := s.att[:last+1]
	keys, vals := s.keys[li], s.vals[li]
	for h := 0; h < c.Heads; h++ {
		qh := q[h*c.HeadDim : (h+1)*c.HeadDim]
		off := (h / group) * c.HeadDim
		for t := 0; t <= last; t++ {
			att[t] = dot(qh, keys[t*kvDim+off:t*kvDim+off+c.HeadDim]) * scale
		}
		softmax(att)
		roundHalves(att, att)
		o := out[h*c.HeadDim : (h+1)*c.HeadDim]
		clear(o)
		for t := 0; t <= last; t++ {
			a := att[t]
			v := vals[t*kvDim+off : t*kvDim+off+c.HeadDim]
			for i := range o {
				o[i] += a * v[i]
			}
		}
	}
}

// appendRows appends rows to a KV cache, doubling its capacity (up to
// limit) when full: append's 1.25× steps would copy a long cache many
// more times.
func appendRows(cache, rows []float32, limit int) []float32 {
	if need := len(cache) + len(rows); need > cap(cache) {
		grown := make([]float32, len(cache), max(need, min(2*cap(cache), limit)))
		copy(grown, cache)
		cache = grown
	}
	return append(cache, rows...)
}

// feedForward adds the layer's SwiGLU feed-forward network to each
// token's row of x.
func (s *State) feedForward(l *layer) {
	c, b := s.m.Config, &s.b
	d := c.Dim
	for t := range b.n {
		rmsNorm(b.xb[t*d:(t+1)*d], b.x[t*d:(t+1)*d], l.ffnNorm, c.NormEps)
	}
	b.project(b.hb, l.wGate, b.xb, false)
	b.project(b.hb2, l.wUp, b.xb, true)
	for i, g := range b.hb[:b.n*c.FFNDim] {
		b.hb[i] = g / (1 + float32(math.Exp(float64(-g)))) * b.hb2[i]
	}
	b.project(b.xb2, l.wDown, b.hb, false)
	for i := range b.n * d {
		b.x[i] += b.xb2[i]
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
	matmulBatch(out, w, []qvec{*v})
}

// tileBytes is how much of a matrix matmulBatch multiplies by every
// token's vector before moving on: small enough to stay in the L1/L2
// cache, so the weights come from memory once per batch.
const tileBytes = 16 << 10

// matmulBatch sets row t of out (len(vs) rows of w.rows) to W·vs[t], the
// matrix rows split across GOMAXPROCS goroutines when the work is large.
func matmulBatch(out []float32, w *qmatrix, vs []qvec) {
	rows := w.rows
	workers := runtime.GOMAXPROCS(0)
	if rows*w.cols*len(vs) < parallelWork || workers < 2 {
		w.mulRows(out, vs, 0, rows)
		return
	}
	workers = min(workers, rows)
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for lo := chunk; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		wg.Go(func() { w.mulRows(out, vs, lo, hi) })
	}
	w.mulRows(out, vs, 0, min(chunk, rows))
	wg.Wait()
}

// mulRows sets out[t·rows+r] = row r · vs[t] for rows lo..hi-1, a tile of
// rows at a time, each tile meeting every token's vector while in cache
// (F16 rows two vectors at a time where the kernel runs).
func (w *qmatrix) mulRows(out []float32, vs []qvec, lo, hi int) {
	tile := max(1, tileBytes/max(1, w.rowBytes))
	for r0 := lo; r0 < hi; r0 += tile {
		r1 := min(r0+tile, hi)
		t := 0
		for ; w.typ == gguf.TypeF16 && t+2 <= len(vs); t += 2 {
			if !w.mulRows2(out, vs[t:t+2], t, r0, r1) {
				break
			}
		}
		for ; t < len(vs); t++ {
			o := out[t*w.rows : (t+1)*w.rows]
			for r := r0; r < r1; r++ {
				o[r] = w.dotRow(r, &vs[t])
			}
		}
	}
}

// mulRows2 sets rows r0..r1-1 of the outputs of vectors t and t+1 by the
// two-vector F16 kernel, or is false where it cannot run: its conditions
// do not depend on the row, so then it fails on the first and sets nothing.
func (w *qmatrix) mulRows2(out []float32, vs []qvec, t, r0, r1 int) bool {
	var o [2]float32
	for r := r0; r < r1; r++ {
		if !dotF16x2Fast(w.data[r*w.rowBytes:(r+1)*w.rowBytes], vs, &o) {
			return false
		}
		out[t*w.rows+r], out[(t+1)*w.rows+r] = o[0], o[1]
	}
	return true
}
