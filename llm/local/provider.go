package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/grammar"
)

// ProviderName is the provider part of the local models' names ("local/stories260K").
const ProviderName = "local"

// DefaultMaxTokens is the completion length when ChatRequest.MaxTokens is 0.
const DefaultMaxTokens = 128

// errNotConfigured is an Unconfigured provider's error: its message says
// how to load a model, and it wraps llm.ErrNotConfigured.
var errNotConfigured error = notConfiguredError{}

type notConfiguredError struct{}

// Error is the message telling how to load a model.
func (notConfiguredError) Error() string {
	return "no local model loaded: start with --llm-model PATH (a GGUF file, e.g. ../shared/models/stories260K.gguf)"
}

// Unwrap makes the error match llm.ErrNotConfigured.
func (notConfiguredError) Unwrap() error { return llm.ErrNotConfigured }

// Provider serves one GGUF model loaded in process as llm.Provider "local".
// Chat calls may run concurrently: each has its own KV cache.
type Provider struct {
	model *Model
}

var _ llm.Provider = (*Provider)(nil)

// New loads the GGUF model at path once and serves it; its model name is
// the file's base name without ".gguf".
func New(path string) (*Provider, error) {
	m, err := Load(path)
	if err != nil {
		return nil, err
	}
	return NewFromModel(m), nil
}

// NewFromModel serves an already loaded model under m.Name.
func NewFromModel(m *Model) *Provider { return &Provider{model: m} }

// Unconfigured returns a provider with no model, whose Models and Chat
// fail with an error wrapping llm.ErrNotConfigured that says how to load one.
func Unconfigured() *Provider { return &Provider{} }

// Name is "local".
func (p *Provider) Name() string { return ProviderName }

// Model is the loaded model, or nil for an unconfigured provider.
func (p *Provider) Model() *Model { return p.model }

// Models lists the one loaded model.
func (p *Provider) Models(ctx context.Context) ([]string, error) {
	if p.model == nil {
		return nil, errNotConfigured
	}
	return []string{p.model.Name}, nil
}

// Prompt is the text a chat is completed from when the model has no
// usable chat template (see Tokenizer.ChatPrompt): the messages' contents
// joined by newlines, roles ignored, as plain text completers such as the
// small story models want.
func Prompt(msgs []llm.Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n")
}

// Chat completes req from the loaded model: the prompt is the model's
// chat template rendered and tokenized (see Tokenizer.ChatPrompt), then tokens are sampled (greedy unless
// req.Temperature > 0, with req.TopP and req.Seed, a random seed when nil)
// until EOS, MaxTokens (default 128), the context length (prompt and
// completion together), or one of req.Stop, which is cut from the
// content. Text is streamed to onDelta as valid UTF-8; usage counts the
// prompt tokens (BOS included) and the sampled tokens (EOS not). Tools
// that may be called constrain the answer to a call or a response (see
// toolUse); logit_bias and penalties adjust the logits (see logitAdjust).
func (p *Provider) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	if p.model == nil {
		return llm.ChatResponse{}, errNotConfigured
	}
	if err := unsupported(req); err != nil {
		return llm.ChatResponse{}, err
	}
	m := p.model
	if req.Model != "" && req.Model != m.Name {
		return llm.ChatResponse{}, fmt.Errorf("%w: local serves %q, not %q", llm.ErrUnknownModel, m.Name, req.Model)
	}
	if len(req.Messages) == 0 {
		return llm.ChatResponse{}, fmt.Errorf("%w: no messages", llm.ErrBadRequest)
	}
	sp, err := samplingOf(req)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	if sp.tools, err = toolUseOf(req); err != nil {
		return llm.ChatResponse{}, err
	}
	if sp.adjust, err = logitAdjustOf(req, m.Config.Vocab); err != nil {
		return llm.ChatResponse{}, err
	}
	prompt, err := m.prompt(req.Messages, sp.tools)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	if sp.grammar, err = responseGrammar(req.ResponseFormat); err != nil {
		return llm.ChatResponse{}, err
	}
	if sp.tools != nil {
		if sp.grammar != nil {
			return llm.ChatResponse{}, fmt.Errorf("%w: response_format with tools that may be called: the local provider constrains the answer to one of them", llm.ErrBadRequest)
		}
		sp.grammar = sp.tools.grammar
	}
	return m.completeN(ctx, prompt, sp, req, onDelta)
}

// prompt is the conversation's prompt tokens, with the tools u offers
// (nil: none): rendered by a chat template that takes tools, else listed
// in the system message; earlier tool calls and results are written as
// text for a template that does not render them.
func (m *Model) prompt(msgs []llm.Message, u *toolUse) ([]int, error) {
	native := m.Tokenizer.templateTakesTools()
	if !native {
		msgs = toolsAsText(msgs)
	}
	var tools []any
	if u != nil {
		msgs = withInstruction(msgs, u.instruction(!native))
		if native {
			var err error
			if tools, err = u.templateTools(m.Tokenizer.plainText); err != nil {
				return nil, err
			}
		}
	}
	prompt, err := m.Tokenizer.chatPrompt(msgs, tools)
	if err != nil {
		return nil, err
	}
	if len(prompt) == 0 {
		prompt = []int{m.Tokenizer.BOS} // nothing to condition on otherwise
	}
	if len(prompt) >= m.Config.ContextLength {
		return nil, fmt.Errorf("%w: the prompt is %d tokens, the context %d", llm.ErrBadRequest, len(prompt), m.Config.ContextLength)
	}
	return prompt, nil
}

// unsupported refuses content this provider cannot read, naming the
// message, rather than ignore it.
func unsupported(req llm.ChatRequest) error {
	for i, m := range req.Messages {
		if !m.TextOnly() {
			return fmt.Errorf("%w: messages[%d].content: only text parts are supported by the local provider", llm.ErrBadRequest, i)
		}
	}
	return nil
}

// sampling is how a chat's tokens are drawn and how many at most.
type sampling struct {
	grammar     *grammar.Grammar // response_format's or the tools', or nil
	tools       *toolUse         // the tools that may be called, or nil
	adjust      *logitAdjust     // logit_bias and penalties, or nil
	logprobs    bool             // record each token's log probability
	topLogprobs int              // and that many alternatives
	temp, topP  float64
	maxTokens   int
	seed        uint64
}

// samplingOf checks req's sampling parameters and fills in the defaults:
// greedy, top_p 1, DefaultMaxTokens and a random seed.
func samplingOf(req llm.ChatRequest) (sampling, error) {
	sp := sampling{temp: 0, topP: 1, maxTokens: req.MaxTokens}
	if req.Temperature != nil {
		sp.temp = *req.Temperature
		if !(sp.temp >= 0 && sp.temp <= 100) {
			return sp, fmt.Errorf("%w: temperature %v must be between 0 and 100", llm.ErrBadRequest, sp.temp)
		}
	}
	if req.TopP != nil {
		sp.topP = *req.TopP
		if !(sp.topP > 0 && sp.topP <= 1) {
			return sp, fmt.Errorf("%w: top_p %v must be in (0, 1]", llm.ErrBadRequest, sp.topP)
		}
	}
	if sp.maxTokens < 0 {
		return sp, fmt.Errorf("%w: max_tokens %d is negative", llm.ErrBadRequest, sp.maxTokens)
	}
	if sp.maxTokens == 0 {
		sp.maxTokens = DefaultMaxTokens
	}
	sp.seed = rand.Uint64()
	if req.Seed != nil {
		sp.seed = uint64(*req.Seed)
	}
	return sp, nil
}

// complete runs the prompt through the model, then samples tokens into out
// until EOS, a stop string, sp.maxTokens or the end of the context.
func (m *Model) complete(ctx context.Context, prompt []int, sp sampling, out *output) (llm.ChatResponse, error) {
	resp := llm.ChatResponse{Model: m.Name, FinishReason: "length"}
	resp.Usage.PromptTokens = len(prompt)
	state := m.sessions.take(prompt)
	if state == nil {
		state = m.NewSession()
	}
	defer m.sessions.put(state)
	logits, err := state.feed(ctx, prompt)
	if err != nil {
		return resp, err
	}
	sampler := NewSampler(sp.temp, sp.topP, sp.seed)
	counts := map[int]int{} // of each generated token, for the penalties
	con, err := m.newConstraint(sp.grammar)
	if err != nil {
		return resp, err
	}
	for resp.Usage.CompletionTokens < sp.maxTokens {
		if err := ctx.Err(); err != nil {
			return resp, err
		}
		sp.adjust.apply(logits, counts)
		if con != nil { // only what keeps the grammar alive may come next
			masked, more, err := con.mask(logits)
			if err != nil {
				return out.response(resp), err
			}
			if !more {
				resp.FinishReason = "stop"
				break
			}
			logits = masked
		}
		tok := sampler.Sample(logits)
		if sp.logprobs && tok != m.Tokenizer.EOS {
			out.logprobs = append(out.logprobs, m.tokenLogprob(logits, tok, sp.topLogprobs))
		}
		if tok == m.Tokenizer.EOS {
			resp.FinishReason = "stop"
			break
		}
		resp.Usage.CompletionTokens++
		counts[tok]++
		if con != nil {
			if err := con.advance(m.Tokenizer.Piece(tok)); err != nil {
				return out.response(resp), err
			}
		}
		stopped, err := out.add(m.Tokenizer.Piece(tok))
		if err != nil {
			return out.response(resp), err
		}
		if stopped {
			resp.FinishReason = "stop"
			break
		}
		if resp.Usage.CompletionTokens == sp.maxTokens || len(prompt)+resp.Usage.CompletionTokens >= m.Config.ContextLength {
			break // "length"
		}
		if logits, err = state.next(tok); err != nil {
			return out.response(resp), err
		}
	}
	if err := out.finish(); err != nil {
		return out.response(resp), err
	}
	return out.response(resp), nil
}

// output assembles the completion text: it keeps it valid UTF-8, cuts it
// at the first stop string, and streams what can no longer be cut.
type output struct {
	stops    []string
	maxStop  int
	onDelta  func(llm.Delta) error
	logprobs []llm.TokenLogprob // per sampled token, when asked
	utf8     utf8Stream
	text     strings.Builder
	emitted  int
	stopped  bool
	finalLen int
}

func newOutput(stops []string, onDelta func(llm.Delta) error) *output {
	o := &output{onDelta: onDelta}
	for _, s := range stops {
		if s != "" {
			o.stops = append(o.stops, s)
			o.maxStop = max(o.maxStop, len(s))
		}
	}
	return o
}

// add appends a token's bytes and reports whether a stop string was hit.
func (o *output) add(piece []byte) (bool, error) {
	return o.push(o.utf8.write(piece))
}

func (o *output) push(s string) (bool, error) {
	if s == "" || o.stopped {
		return o.stopped, nil
	}
	prev := o.text.Len()
	o.text.WriteString(s)
	text := o.text.String()
	// A stop string that ends in the new text starts after this point.
	from := max(0, prev-o.maxStop+1)
	cut := -1
	for _, st := range o.stops {
		if i := strings.Index(text[from:], st); i >= 0 && (cut < 0 || from+i < cut) {
			cut = from + i
		}
	}
	if cut >= 0 {
		o.stopped = true
		o.finalLen = cut
		return true, o.emit(text[:cut])
	}
	// Hold back a tail that may be the start of a stop string.
	hold := 0
	for _, st := range o.stops {
		for n := min(len(st)-1, len(text)); n > hold; n-- {
			if strings.HasSuffix(text, st[:n]) {
				hold = n
				break
			}
		}
	}
	return false, o.emit(text[:len(text)-hold])
}

// emit streams text[o.emitted:].
func (o *output) emit(text string) error {
	if len(text) <= o.emitted {
		return nil
	}
	d := text[o.emitted:]
	o.emitted = len(text)
	if o.onDelta == nil {
		return nil
	}
	return o.onDelta(llm.Delta{Content: d})
}

// finish flushes an unfinished UTF-8 sequence and the held-back tail.
func (o *output) finish() error {
	if _, err := o.push(o.utf8.flush()); err != nil {
		return err
	}
	if o.stopped {
		return nil
	}
	return o.emit(o.text.String())
}

func (o *output) response(r llm.ChatResponse) llm.ChatResponse {
	r.Content = o.text.String()
	if o.stopped {
		r.Content = r.Content[:o.finalLen]
	}
	r.Usage.TotalTokens = r.Usage.PromptTokens + r.Usage.CompletionTokens
	return r
}
