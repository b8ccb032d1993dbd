package local

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/llm"
)

// logitAdjust is a request's logit_bias and frequency/presence penalties,
// applied to the logits before sampling as llama.cpp's logit-bias and
// penalties samplers do: bias is added; a token already generated count
// times loses count·frequency + presence (over the whole completion, as
// OpenAI counts, not llama.cpp's last 64 tokens).
type logitAdjust struct {
	bias       map[int]float32
	freq, pres float32
}

// logitAdjustOf reads req's logit_bias (token ids of the model's
// vocabulary) and penalties; nil when there is nothing to adjust.
func logitAdjustOf(req llm.ChatRequest, vocab int) (*logitAdjust, error) {
	a := &logitAdjust{}
	if req.FrequencyPenalty != nil {
		a.freq = float32(*req.FrequencyPenalty)
	}
	if req.PresencePenalty != nil {
		a.pres = float32(*req.PresencePenalty)
	}
	for k, v := range req.LogitBias {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id >= vocab {
			return nil, fmt.Errorf("%w: logit_bias key %q is not a token id of the model's vocabulary (0..%d)", llm.ErrBadRequest, k, vocab-1)
		}
		if a.bias == nil {
			a.bias = map[int]float32{}
		}
		a.bias[id] = float32(v)
	}
	if a.freq == 0 && a.pres == 0 && a.bias == nil {
		return nil, nil
	}
	return a, nil
}

// apply adjusts logits in place, given how often each token has been
// generated so far.
func (a *logitAdjust) apply(logits []float32, counts map[int]int) {
	if a == nil {
		return
	}
	for id, b := range a.bias {
		logits[id] += b
	}
	for id, n := range counts {
		logits[id] -= float32(n)*a.freq + a.pres
	}
}
