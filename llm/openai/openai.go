// Package openai is an llm.Provider for any endpoint that speaks the
// OpenAI chat completions API: OpenAI itself, vLLM, Ollama, llama.cpp's
// server, other routers (and this repository's own llm/openaiapi).
//
// The base URL is the one the OpenAI SDKs take, the API root: requests go
// to {base}/chat/completions and {base}/models, so for OpenAI it is
// https://api.openai.com/v1 and for Ollama http://localhost:11434/v1.
//
// Errors: HTTP 429, 5xx, 401/403 (our credentials), network failures and
// timeouts, answers that are not the OpenAI shape wrap llm.ErrProvider;
// HTTP 400, 413 and 422 wrap llm.ErrBadRequest; HTTP 404 naming a model
// wraps llm.ErrUnknownModel. The API key never appears in an error: it is
// sent only in the Authorization header, upstream messages for 401/403
// are dropped, and every error message has the key cut out.
//
// Usage: the upstream's usage is used when it sends one. When it does not
// (a stream from a server that ignores stream_options.include_usage, or
// a server that never reports usage) the provider estimates: completion
// tokens as the number of stream chunks that carried text (servers send
// about one token per chunk), or about one token per four bytes of the
// answer when not streaming; prompt tokens as about one per four bytes of
// the messages plus four per message. Estimates are for metering, not
// billing-grade counts.
package openai

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/phalanetwork/phala/llm"
)

// Limits on what is read from an upstream.
const (
	maxBodyBytes = 16 << 20 // a non-streamed answer or a model list
	maxLineBytes = 1 << 20  // one line of a stream
	maxErrorText = 300      // upstream error text kept in an error
	maxToolCalls = 128      // tool calls in one streamed choice
)

// DefaultModelsTTL is how long a model list fetched from the upstream is
// reused.
const DefaultModelsTTL = 5 * time.Minute

// Provider is an OpenAI-compatible endpoint.
type Provider struct {
	name       string
	base       string
	apiKey     string
	client     *http.Client
	static     []string
	modelsTTL  time.Duration
	headers    http.Header
	noStreamOp bool
	maxCompl   bool
	caps       *llm.Capabilities

	mu        sync.Mutex
	models    []string
	modelsAt  time.Time
	modelsNow func() time.Time
}

// Option configures a Provider.
type Option func(*Provider)

// WithHTTPClient sets the client requests go through (for example one
// that enforces an egress policy). It should have no overall Timeout,
// which would cut long streams: contexts bound the calls. The default is
// http.DefaultClient.
func WithHTTPClient(c *http.Client) Option {
	return func(p *Provider) {
		if c != nil {
			p.client = c
		}
	}
}

// WithModels sets the models served, so that GET {base}/models is never
// called (for endpoints that do not have it, or to expose a few models of
// many).
func WithModels(models ...string) Option {
	return func(p *Provider) { p.static = append([]string(nil), models...) }
}

// WithModelsTTL sets how long a fetched model list is reused; 0 fetches it
// every time.
func WithModelsTTL(d time.Duration) Option {
	return func(p *Provider) { p.modelsTTL = d }
}

// WithHeader adds a header to every request (for example OpenRouter's
// HTTP-Referer, or an organization header).
func WithHeader(key, value string) Option {
	return func(p *Provider) { p.headers.Add(key, value) }
}

// WithoutStreamUsage stops asking for stream_options.include_usage when
// streaming, for servers that refuse the field; usage is then estimated.
func WithoutStreamUsage() Option {
	return func(p *Provider) { p.noStreamOp = true }
}

// WithMaxCompletionTokens sends the token limit as max_completion_tokens
// instead of max_tokens (OpenAI's reasoning models refuse max_tokens).
func WithMaxCompletionTokens() Option {
	return func(p *Provider) { p.maxCompl = true }
}

// New returns a provider named name (the "provider" of "provider/model")
// for the OpenAI-compatible API at baseURL, authenticated with apiKey as
// a Bearer token (none when empty).
func New(name, baseURL, apiKey string, opts ...Option) (*Provider, error) {
	if name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("openai: provider name %q must be non-empty and have no slash", name)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: provider %s: base URL %q must be an absolute http or https URL such as https://api.openai.com/v1", name, redactURL(baseURL))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("openai: provider %s: base URL %q must have no query or fragment", name, redactURL(baseURL))
	}
	p := &Provider{
		name:      name,
		base:      strings.TrimRight(baseURL, "/"),
		apiKey:    apiKey,
		client:    http.DefaultClient,
		modelsTTL: DefaultModelsTTL,
		headers:   make(http.Header),
		modelsNow: time.Now,
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// redactURL shows a URL without password, query or fragment.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		u.RawQuery, u.Fragment = "", ""
		return u.Redacted() + "?..."
	}
	return u.Redacted()
}

// Name implements llm.Provider.
func (p *Provider) Name() string { return p.name }

// Models implements llm.Provider: the configured models, or the ids from
// GET {base}/models, reused for the models TTL.
func (p *Provider) Models(ctx context.Context) ([]string, error) {
	if p.static != nil {
		return append([]string(nil), p.static...), nil
	}
	p.mu.Lock()
	if p.models != nil && p.modelsNow().Sub(p.modelsAt) < p.modelsTTL {
		ms := append([]string(nil), p.models...)
		p.mu.Unlock()
		return ms, nil
	}
	p.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/models", nil)
	if err != nil {
		return nil, p.errorf(llm.ErrProvider, "building request: %v", err)
	}
	p.setHeaders(req)
	resp, err := p.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBodyBytes)).Decode(&list); err != nil {
		return nil, p.errorf(llm.ErrProvider, "GET /models: answer is not an OpenAI model list: %v", err)
	}
	ms := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID != "" {
			ms = append(ms, m.ID)
		}
	}
	p.mu.Lock()
	p.models, p.modelsAt = ms, p.modelsNow()
	p.mu.Unlock()
	return append([]string(nil), ms...), nil
}

// chatRequest is the body of POST /chat/completions: the request's
// fields as they are, but for the router's (models, provider).
type chatRequest struct {
	llm.ChatRequest
	MaxTokens           int                `json:"max_tokens,omitempty"`
	MaxCompletionTokens int                `json:"max_completion_tokens,omitempty"`
	StreamOptions       *llm.StreamOptions `json:"stream_options,omitempty"`
	Models              []string           `json:"models,omitempty"`
	Provider            *llm.ProviderPrefs `json:"provider,omitempty"`
}

// wireChoice is a choice of a chat.completion or a chat.completion.chunk.
type wireChoice struct {
	Index   int `json:"index"`
	Message *struct {
		Content   *string        `json:"content"`
		ToolCalls []llm.ToolCall `json:"tool_calls"`
	} `json:"message"`
	Delta *struct {
		Content   *string `json:"content"`
		ToolCalls []struct {
			Index    int    `json:"index"`
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"delta"`
	Logprobs     *llm.Logprobs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

// chatResponse is a chat.completion or a chat.completion.chunk.
type chatResponse struct {
	Model   string       `json:"model"`
	Choices []wireChoice `json:"choices"`
	Usage   *llm.Usage   `json:"usage"`
	Error   *upstreamErr `json:"error"`
}

type upstreamErr struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"`
}

// Chat implements llm.Provider: POST {base}/chat/completions, streamed as
// Server-Sent Events when onDelta is not nil. When a stream fails after
// text was passed to onDelta, the error comes with the partial response
// and its (estimated) usage, so that the router meters it.
func (p *Provider) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	body := chatRequest{ChatRequest: req}
	body.Stream = onDelta != nil
	if p.maxCompl {
		body.MaxCompletionTokens = req.MaxTokens
	} else {
		body.MaxTokens = req.MaxTokens
	}
	if body.Stream && !p.noStreamOp {
		body.StreamOptions = &llm.StreamOptions{IncludeUsage: true}
	}
	hreq, err := p.newPost(ctx, "/chat/completions", body)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	if body.Stream {
		hreq.Header.Set("Accept", "text/event-stream")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	resp, err := p.do(hreq)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if body.Stream && mt == "text/event-stream" {
		return p.readStream(ctx, req, resp.Body, onDelta)
	}
	// Not streaming, or a server that answered a stream request in one
	// piece: pass the answer on as a single delta.
	out, err := p.readCompletion(req, resp.Body)
	if err == nil && onDelta != nil {
		for _, c := range out.Choices {
			if err := onDelta(wholeDelta(c)); err != nil {
				return out, err
			}
		}
	}
	return out, err
}

// newPost builds POST {base}{path} with body as JSON.
func (p *Provider) newPost(ctx context.Context, path string, body any) (*http.Request, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, p.errorf(llm.ErrBadRequest, "encoding request: %v", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, bytes.NewReader(data))
	if err != nil {
		return nil, p.errorf(llm.ErrProvider, "building request: %v", err)
	}
	p.setHeaders(hreq)
	hreq.Header.Set("Content-Type", "application/json")
	return hreq, nil
}

func (p *Provider) setHeaders(req *http.Request) {
	for k, vs := range p.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	if p.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.apiKey)
	}
}

func (p *Provider) readCompletion(req llm.ChatRequest, body io.Reader) (llm.ChatResponse, error) {
	var cr chatResponse
	if err := json.NewDecoder(io.LimitReader(body, maxBodyBytes)).Decode(&cr); err != nil {
		return llm.ChatResponse{}, p.errorf(llm.ErrProvider, "answer is not an OpenAI chat completion: %v", err)
	}
	if cr.Error != nil {
		return llm.ChatResponse{}, p.errorf(llm.ErrProvider, "upstream error: %s", clip(cr.Error.Message))
	}
	if len(cr.Choices) == 0 {
		return llm.ChatResponse{}, p.errorf(llm.ErrProvider, "answer has no choices")
	}
	out := llm.ChatResponse{Model: cmp.Or(cr.Model, req.Model)}
	completion := 0
	for i, c := range cr.Choices {
		if c.Message == nil {
			return llm.ChatResponse{}, p.errorf(llm.ErrProvider, "answer has no choices[%d].message", i)
		}
		ch := llm.Choice{Index: c.Index, Message: llm.Message{Role: "assistant", ToolCalls: c.Message.ToolCalls}, Logprobs: c.Logprobs, FinishReason: "stop"}
		if c.Message.Content != nil {
			ch.Message.Content = *c.Message.Content
		}
		if c.FinishReason != nil && *c.FinishReason != "" {
			ch.FinishReason = *c.FinishReason
		}
		completion += estimateText(ch.Message.Content)
		out.Choices = append(out.Choices, ch)
	}
	out.Normalize()
	out.Usage = usageOr(cr.Usage, req, completion)
	return out, nil
}

// wholeDelta is a whole choice as one delta (an upstream that answered a
// stream request in one piece).
func wholeDelta(c llm.Choice) llm.Delta {
	d := llm.Delta{Index: c.Index, Content: c.Message.Content}
	for i, tc := range c.Message.ToolCalls {
		d.ToolCalls = append(d.ToolCalls, llm.ToolCallDelta{Index: i, ID: tc.ID, Type: tc.Type, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if c.Logprobs != nil {
		d.Logprobs = c.Logprobs.Content
	}
	return d
}

// readStream reads Server-Sent Events: "data: {chunk}" events, ended by
// "data: [DONE]" (or the end of the body after a finish_reason).
func (p *Provider) readStream(ctx context.Context, req llm.ChatRequest, body io.Reader, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	s := &streamReader{p: p, req: req, onDelta: onDelta, out: llm.ChatResponse{Model: req.Model}}
	return s.result(s.read(ctx, body))
}

// streamReader accumulates the answer of one streamed completion.
type streamReader struct {
	p       *Provider
	req     llm.ChatRequest
	onDelta func(llm.Delta) error

	out      llm.ChatResponse
	choices  map[int]*streamChoice
	chunks   int        // content deltas, the completion-token estimate
	usage    *llm.Usage // the last usage the stream reported
	finished bool       // a choice had a finish_reason
	done     bool       // [DONE] was read
}

// streamChoice is one choice being assembled from its deltas.
type streamChoice struct {
	text     strings.Builder
	calls    []llm.ToolCall
	logprobs []llm.TokenLogprob
	finish   string
}

// read splits body into events and hands each to event, until [DONE], the
// end of the body or an error.
func (s *streamReader) read(ctx context.Context, body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	var data []string
	for !s.done && sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			if len(data) > 0 {
				err := s.event(strings.Join(data, "\n"))
				data = data[:0]
				if err != nil {
					return err
				}
			}
			continue
		}
		if v, ok := strings.CutPrefix(line, "data:"); ok {
			data = append(data, strings.TrimPrefix(v, " "))
		}
		// Comments (":..."), event:, id: and retry: lines are ignored.
	}
	if !s.done && len(data) > 0 {
		if err := s.event(strings.Join(data, "\n")); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && !s.done {
		if ctx.Err() != nil {
			return s.p.errorf(llm.ErrProvider, "stream cut: %w", ctx.Err())
		}
		return s.p.errorf(llm.ErrProvider, "reading stream: %v", err)
	}
	if !s.done && !s.finished {
		return s.p.errorf(llm.ErrProvider, "stream ended before [DONE]")
	}
	return nil
}

// event takes one event's data: [DONE] or a chat.completion.chunk, whose
// content delta goes to onDelta.
func (s *streamReader) event(data string) error {
	if strings.TrimSpace(data) == "[DONE]" {
		s.done = true
		return nil
	}
	var ch chatResponse
	if err := json.Unmarshal([]byte(data), &ch); err != nil {
		return s.p.errorf(llm.ErrProvider, "stream event is not a chat.completion.chunk: %v", err)
	}
	if ch.Error != nil {
		return s.p.errorf(llm.ErrProvider, "upstream error in stream: %s", clip(ch.Error.Message))
	}
	if ch.Model != "" {
		s.out.Model = ch.Model
	}
	if ch.Usage != nil {
		s.usage = ch.Usage
	}
	for _, c := range ch.Choices {
		if err := s.choice(c); err != nil {
			return err
		}
	}
	return nil
}

// choice takes one choice of a chunk: its finish reason, and its delta,
// which is added to the choice and passed to onDelta.
func (s *streamReader) choice(c wireChoice) error {
	if c.Index < 0 || c.Index >= max(s.req.N, 1) {
		return s.p.errorf(llm.ErrProvider, "stream chunk for choice %d of %d", c.Index, max(s.req.N, 1))
	}
	if s.choices == nil {
		s.choices = map[int]*streamChoice{}
	}
	sc := s.choices[c.Index]
	if sc == nil {
		sc = new(streamChoice)
		s.choices[c.Index] = sc
	}
	if c.FinishReason != nil && *c.FinishReason != "" {
		sc.finish = *c.FinishReason
		s.finished = true
	}
	d := llm.Delta{Index: c.Index}
	if c.Logprobs != nil {
		d.Logprobs = c.Logprobs.Content
		sc.logprobs = append(sc.logprobs, d.Logprobs...)
	}
	if c.Delta != nil {
		if c.Delta.Content != nil {
			d.Content = *c.Delta.Content
			sc.text.WriteString(d.Content)
		}
		for _, tc := range c.Delta.ToolCalls {
			if tc.Index < 0 || tc.Index > len(sc.calls) || tc.Index >= maxToolCalls {
				return s.p.errorf(llm.ErrProvider, "stream tool call index %d out of order", tc.Index)
			}
			if tc.Index == len(sc.calls) {
				sc.calls = append(sc.calls, llm.ToolCall{Type: "function"})
			}
			call := &sc.calls[tc.Index]
			call.ID += tc.ID
			call.Function.Name += tc.Function.Name
			call.Function.Arguments += tc.Function.Arguments
			d.ToolCalls = append(d.ToolCalls, llm.ToolCallDelta{Index: tc.Index, ID: tc.ID, Type: tc.Type, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
	}
	if d.Empty() {
		return nil
	}
	if d.Content != "" || len(d.ToolCalls) > 0 {
		s.chunks++
	}
	return s.onDelta(d)
}

// result is the answer read so far, returned with err: even a failed
// stream reports what it delivered and its usage.
func (s *streamReader) result(err error) (llm.ChatResponse, error) {
	for i := range max(s.req.N, 1) {
		c := llm.Choice{Index: i, Message: llm.Message{Role: "assistant"}, FinishReason: "stop"}
		if sc := s.choices[i]; sc != nil {
			c.Message.Content, c.Message.ToolCalls = sc.text.String(), sc.calls
			c.FinishReason = cmp.Or(sc.finish, "stop")
			if sc.logprobs != nil {
				c.Logprobs = &llm.Logprobs{Content: sc.logprobs}
			}
		}
		s.out.Choices = append(s.out.Choices, c)
	}
	s.out.Normalize()
	s.out.Usage = usageOr(s.usage, s.req, s.chunks)
	return s.out, err
}

// usageOr is the usage the upstream reported, or, when it reported none,
// an estimate from the prompt and the completion's token count.
func usageOr(u *llm.Usage, req llm.ChatRequest, completionTokens int) llm.Usage {
	if u != nil && (u.PromptTokens > 0 || u.CompletionTokens > 0) {
		return completeUsage(*u)
	}
	return completeUsage(llm.Usage{PromptTokens: estimatePrompt(req.Messages), CompletionTokens: completionTokens})
}

func completeUsage(u llm.Usage) llm.Usage {
	if u.TotalTokens < u.PromptTokens+u.CompletionTokens {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return u
}

func estimateText(s string) int { return (len(s) + 3) / 4 }

func estimatePrompt(ms []llm.Message) int {
	n := 0
	for _, m := range ms {
		n += 4 + estimateText(m.Content)
	}
	return n
}

// errorf returns an error wrapping kind, naming the provider, with the
// API key cut out.
func (p *Provider) errorf(kind error, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &providerError{kind: kind, msg: p.redact(fmt.Sprintf("%v: openai provider %s: %s", kind, p.name, err)), err: err}
}

type providerError struct {
	kind error
	msg  string
	err  error
}

func (e *providerError) Error() string   { return e.msg }
func (e *providerError) Unwrap() []error { return []error{e.kind, e.err} }

func (p *Provider) redact(s string) string {
	if len(p.apiKey) >= 4 {
		s = strings.ReplaceAll(s, p.apiKey, "[redacted]")
	}
	return s
}

// do sends req and returns the upstream's 200 answer (the caller closes
// its body); a transport failure or another status is the provider's error.
func (p *Provider) do(req *http.Request) (*http.Response, error) {
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.transportError(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, p.statusError(resp)
	}
	return resp, nil
}

func (p *Provider) transportError(err error) error {
	return p.errorf(llm.ErrProvider, "%w", err)
}

// statusError maps a non-200 answer to an error.
func (p *Provider) statusError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg, ecode := upstreamMessage(raw)
	code := resp.StatusCode
	where := resp.Request.Method + " " + resp.Request.URL.Path
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return p.errorf(llm.ErrProvider, "%s: HTTP %d: the upstream refused our credentials", where, code)
	case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnprocessableEntity:
		return p.errorf(llm.ErrBadRequest, "HTTP %d: %s", code, msg)
	case code == http.StatusNotFound && (ecode == "model_not_found" || ecode == "" && strings.Contains(strings.ToLower(msg), "model")):
		return p.errorf(llm.ErrUnknownModel, "HTTP 404: %s", msg)
	default:
		return p.errorf(llm.ErrProvider, "%s: HTTP %d: %s", where, code, msg)
	}
}

// upstreamMessage is the message and the string code of an OpenAI-style
// error body ({"error":{"message":...,"code":...}}, {"error":"..."} or
// vLLM's {"message":...}), or the start of the body.
func upstreamMessage(raw []byte) (msg, code string) {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil {
		var obj upstreamErr
		var s string
		switch {
		case json.Unmarshal(e.Error, &obj) == nil && obj.Message != "":
			code, _ = obj.Code.(string)
			return clip(obj.Message), code
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return clip(s), ""
		case e.Message != "":
			return clip(e.Message), ""
		}
	}
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "(empty body)", ""
	}
	return clip(s), ""
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "..."
	}
	return s
}

var _ llm.Provider = (*Provider)(nil)
