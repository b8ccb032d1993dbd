package llm

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Request bounds, as OpenAI's.
const (
	MaxChoices     = 8  // n
	MaxTopLogprobs = 20 // top_logprobs
	MaxModels      = 8  // models, the fallback list
)

// ErrUnsupported marks a request feature the chosen provider does not
// support; it wraps ErrBadRequest (the caller must drop the feature or
// name another model).
var ErrUnsupported = fmt.Errorf("%w: unsupported", ErrBadRequest)

// Cooldown takes a failing provider out of rotation: after Failures
// consecutive provider failures (ErrProvider or a timeout) it is skipped
// for For, then tried again. The zero value never cools a provider down.
type Cooldown struct {
	Failures int
	For      time.Duration
}

// cooling is a provider's failure streak and how long it is skipped.
type cooling struct {
	streak int
	until  time.Time
}

// validateExtras checks the fields beyond plain chat: bounds and shapes
// the router can check whatever the provider.
func validateExtras(req ChatRequest) error {
	checks := []struct {
		bad bool
		msg string
	}{
		{req.N < 0 || req.N > MaxChoices, fmt.Sprintf("n %d must be within 1..%d", req.N, MaxChoices)},
		{req.TopLogprobs < 0 || req.TopLogprobs > MaxTopLogprobs, fmt.Sprintf("top_logprobs %d must be within 0..%d", req.TopLogprobs, MaxTopLogprobs)},
		{req.TopLogprobs > 0 && !req.Logprobs, "top_logprobs needs logprobs: true"},
		{badPenalty(req.FrequencyPenalty), "frequency_penalty must be within -2..2"},
		{badPenalty(req.PresencePenalty), "presence_penalty must be within -2..2"},
		{len(req.Models) > MaxModels, fmt.Sprintf("models lists %d models, at most %d", len(req.Models), MaxModels)},
		{len(req.ToolChoice) > 0 && len(req.Tools) == 0, "tool_choice needs tools"},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("%w: %s", ErrBadRequest, c.msg)
		}
	}
	for k, v := range req.LogitBias {
		if math.IsNaN(v) || v < -100 || v > 100 {
			return fmt.Errorf("%w: logit_bias[%s] %v must be within -100..100", ErrBadRequest, k, v)
		}
	}
	for i, tl := range req.Tools {
		if tl.Type != "function" || tl.Function.Name == "" {
			return fmt.Errorf("%w: tools[%d] must be {\"type\":\"function\",\"function\":{\"name\":...}}", ErrBadRequest, i)
		}
	}
	if rf := req.ResponseFormat; rf != nil {
		switch {
		case rf.Type == "json_schema" && (rf.JSONSchema == nil || rf.JSONSchema.Name == ""):
			return fmt.Errorf("%w: response_format json_schema needs json_schema.name and json_schema.schema", ErrBadRequest)
		case rf.Type != "text" && rf.Type != "json_object" && rf.Type != "json_schema":
			return fmt.Errorf("%w: response_format.type %q must be text, json_object or json_schema", ErrBadRequest, rf.Type)
		}
	}
	for i, name := range req.Models {
		if _, _, err := SplitModel(name); err != nil {
			return fmt.Errorf("models[%d]: %w", i, err)
		}
	}
	return nil
}

// nonZero reports whether a penalty is set to something but its default.
func nonZero(p *float64) bool { return p != nil && *p != 0 }

func badPenalty(p *float64) bool { return p != nil && (math.IsNaN(*p) || *p < -2 || *p > 2) }

// validateMessage checks one message's role and its tool fields.
func validateMessage(i int, m Message) error {
	switch m.Role {
	case "system", "user":
	case "assistant":
		for j, tc := range m.ToolCalls {
			if tc.ID == "" || tc.Function.Name == "" {
				return fmt.Errorf("%w: messages[%d].tool_calls[%d] needs an id and a function name", ErrBadRequest, i, j)
			}
		}
		return nil
	case "tool":
		if m.ToolCallID == "" {
			return fmt.Errorf("%w: messages[%d] (role tool) needs tool_call_id", ErrBadRequest, i)
		}
		return nil
	default:
		return fmt.Errorf("%w: messages[%d].role %q must be system, user, assistant or tool", ErrBadRequest, i, m.Role)
	}
	if len(m.ToolCalls) > 0 || m.ToolCallID != "" {
		return fmt.Errorf("%w: messages[%d]: only assistant messages carry tool_calls and only tool messages tool_call_id", ErrBadRequest, i)
	}
	return nil
}

// needs lists the capabilities req uses, each with the field that uses it.
func needs(req ChatRequest) []struct {
	field string
	has   func(Capabilities) bool
} {
	type need = struct {
		field string
		has   func(Capabilities) bool
	}
	var out []need
	usesTools := len(req.Tools) > 0
	for _, m := range req.Messages {
		usesTools = usesTools || m.Role == "tool" || len(m.ToolCalls) > 0
	}
	add := func(used bool, field string, has func(Capabilities) bool) {
		if used {
			out = append(out, need{field, has})
		}
	}
	add(usesTools, "tools", func(c Capabilities) bool { return c.Tools })
	add(req.ParallelToolCalls != nil, "parallel_tool_calls", func(c Capabilities) bool { return c.ParallelToolCall })
	rf := ""
	if req.ResponseFormat != nil {
		rf = req.ResponseFormat.Type
	}
	add(rf == "json_object", "response_format json_object", func(c Capabilities) bool { return c.JSONObject })
	add(rf == "json_schema", "response_format json_schema", func(c Capabilities) bool { return c.JSONSchema })
	add(req.N > 1, "n", func(c Capabilities) bool { return c.N })
	add(req.Logprobs, "logprobs", func(c Capabilities) bool { return c.Logprobs })
	add(nonZero(req.FrequencyPenalty) || nonZero(req.PresencePenalty), "frequency_penalty/presence_penalty", func(c Capabilities) bool { return c.Penalties })
	add(len(req.LogitBias) > 0, "logit_bias", func(c Capabilities) bool { return c.LogitBias })
	multimodal := false
	for _, m := range req.Messages {
		multimodal = multimodal || !m.TextOnly()
	}
	add(multimodal, "content parts other than text", func(c Capabilities) bool { return c.Multimodal })
	return out
}

// supports returns an ErrUnsupported error naming the first field of req
// that provider p does not support for model, or nil.
func supports(p Provider, name, model string, req ChatRequest) error {
	var caps Capabilities
	if c, ok := p.(Capable); ok {
		caps = c.Capabilities(model)
	}
	for _, n := range needs(req) {
		if !n.has(caps) {
			return fmt.Errorf("%w: %s is not supported by %s", ErrUnsupported, n.field, name)
		}
	}
	return nil
}

// candidates is the "provider/model" names a request may be served by,
// in order: req.Model, req.Models, then the configured Fallbacks of
// req.Model, each once, filtered and ordered by req.Provider.
func (r *Router) candidates(req ChatRequest) ([]string, error) {
	var out []string
	for _, name := range slices.Concat([]string{req.Model}, req.Models, r.Fallbacks[req.Model]) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	prefs := req.Provider
	if prefs == nil {
		return out, nil
	}
	out = slices.DeleteFunc(out, func(name string) bool {
		p, _, _ := SplitModel(name)
		return slices.Contains(prefs.Ignore, p) || len(prefs.Only) > 0 && !slices.Contains(prefs.Only, p)
	})
	rank := func(name string) int {
		p, _, _ := SplitModel(name)
		if i := slices.Index(prefs.Order, p); i >= 0 {
			return i
		}
		return len(prefs.Order)
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: provider preferences (only %v, ignore %v) leave no model to try", ErrBadRequest, prefs.Only, prefs.Ignore)
	}
	if prefs.AllowFallbacks != nil && !*prefs.AllowFallbacks {
		out = out[:1]
	}
	return out, nil
}

// cooled reports whether provider is cooling down, and until when.
func (r *Router) cooled(provider string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cooling[provider]
	if c == nil || !r.now().Before(c.until) {
		return time.Time{}, false
	}
	return c.until, true
}

// noteOutcome counts a provider's failure streak and starts its cooldown.
func (r *Router) noteOutcome(provider string, err error) {
	if r.Cooldown.Failures <= 0 || r.Cooldown.For <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cooling[provider]
	if c == nil {
		c = new(cooling)
		r.cooling[provider] = c
	}
	if err == nil || !fallbackable(err) {
		c.streak = 0
		return
	}
	c.streak++
	if c.streak >= r.Cooldown.Failures {
		c.streak = 0
		c.until = r.now().Add(r.Cooldown.For)
	}
}

// errCoolingDown marks a candidate skipped because its provider is cooling
// down; it is a provider failure (the next candidate is tried).
var errCoolingDown = errors.New("cooling down after consecutive failures")

func (r *Router) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}
