package local

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Sampler picks the next token from logits: greedily (the most likely
// token) when Temperature is 0, else at random from the temperature-scaled
// distribution cut to its top-p nucleus.
type Sampler struct {
	// Temperature divides the logits; 0 means greedy.
	Temperature float64
	// TopP keeps the smallest set of most likely tokens whose probability
	// adds up to at least TopP (1 keeps all).
	TopP float64

	rng   *rand.Rand
	probs []float64
	order []int
}

// NewSampler returns a sampler whose random choices are fixed by seed.
func NewSampler(temperature, topP float64, seed uint64) *Sampler {
	return &Sampler{
		Temperature: temperature,
		TopP:        topP,
		rng:         rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
	}
}

// Sample picks a token id from logits.
func (s *Sampler) Sample(logits []float32) int {
	if s.Temperature <= 0 {
		return Argmax(logits)
	}
	n := len(logits)
	if cap(s.probs) < n {
		s.probs = make([]float64, n)
		s.order = make([]int, n)
	}
	probs, order := s.probs[:n], s.order[:n]
	maxv := float64(logits[Argmax(logits)])
	var sum float64
	for i, l := range logits {
		p := math.Exp((float64(l) - maxv) / s.Temperature)
		probs[i] = p
		sum += p
		order[i] = i
	}
	// Most likely first; ties by lower id, so the order is deterministic.
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return a - b
	})
	keep := n
	if s.TopP > 0 && s.TopP < 1 {
		var cum float64
		for i, id := range order {
			cum += probs[id] / sum
			if cum >= s.TopP {
				keep = i + 1
				break
			}
		}
	}
	var total float64
	for _, id := range order[:keep] {
		total += probs[id]
	}
	r := s.rng.Float64() * total
	for _, id := range order[:keep] {
		r -= probs[id]
		if r < 0 {
			return id
		}
	}
	return order[keep-1]
}

// Argmax is the index of the largest logit, the lowest one on a tie.
func Argmax(logits []float32) int {
	best := 0
	for i, l := range logits {
		if l > logits[best] {
			best = i
		}
	}
	return best
}
