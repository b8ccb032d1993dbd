// Package llm is the AI router's vocabulary: chat requests and responses
// in the OpenAI shape, the Provider interface every model backend
// implements (an OpenAI-compatible endpoint, the embedded local model), and
// the errors they share. Models are named "provider/model".
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors shared by providers and the router.
var (
	// ErrUnknownModel marks a model no provider serves.
	ErrUnknownModel = errors.New("llm: unknown model")
	// ErrProvider marks a provider failure (network, HTTP status, bad
	// answer); the router falls back to the next provider on it.
	ErrProvider = errors.New("llm: provider failed")
	// ErrNotConfigured marks a provider that has nothing to serve, with a
	// message that says how to configure it.
	ErrNotConfigured = errors.New("llm: provider not configured")
	// ErrBadRequest marks a request the caller must fix.
	ErrBadRequest = errors.New("llm: bad request")
)

// Message is one chat message. Content is its text; Parts, when not nil,
// is the content in OpenAI's array form (text and image parts), passed to
// upstream providers as it is, and Content is then its text parts joined
// by newlines. An assistant message may carry ToolCalls (and no content);
// a "tool" message answers the call of id ToolCallID.
type Message struct {
	Role       string        `json:"role"`
	Content    string        `json:"content"`
	Parts      []ContentPart `json:"-"`
	Name       string        `json:"name,omitempty"`
	ToolCalls  []ToolCall    `json:"tool_calls,omitempty"`
	ToolCallID string        `json:"tool_call_id,omitempty"`
}

// ContentPart is one element of an array content: {"type":"text","text"}
// or another type (image_url, input_audio, ...) kept as its raw JSON.
type ContentPart struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Raw is the whole part as received, sent on as it is when set.
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON sends Raw when the part was received whole.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	if len(p.Raw) > 0 {
		return p.Raw, nil
	}
	type plain ContentPart
	return json.Marshal(plain(p))
}

// MarshalJSON writes the content as OpenAI expects it: the parts when
// there are, null for an assistant message with only tool calls, else the
// string.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	var content any = m.Content
	switch {
	case m.Parts != nil:
		content = m.Parts
	case m.Content == "" && len(m.ToolCalls) > 0:
		content = nil
	}
	return json.Marshal(struct {
		plain
		Content any `json:"content"`
	}{plain(m), content})
}

// ToolCall is a call of a function tool the model asks for.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and its arguments, a JSON text the
// model wrote (not necessarily valid JSON: callers check).
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Tool is a tool the model may call; only type "function" exists.
type Tool struct {
	Type     string       `json:"type"`
	Function FunctionDecl `json:"function"`
}

// FunctionDecl declares a function tool: Parameters is a JSON schema.
type FunctionDecl struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ResponseFormat constrains the answer: Type "text" (the default),
// "json_object" (any JSON object) or "json_schema" (JSON matching
// JSONSchema.Schema).
type ResponseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is the schema of a "json_schema" response format.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

// StreamOptions are OpenAI's stream_options.
type StreamOptions struct {
	// IncludeUsage asks for a last chunk with the usage (and its cost).
	IncludeUsage bool `json:"include_usage"`
}

// ProviderPrefs are OpenRouter-style provider preferences: which
// providers a request may go to and in which order.
type ProviderPrefs struct {
	// Order lists providers to try first, in order.
	Order []string `json:"order,omitempty"`
	// AllowFallbacks false forbids any model but the first candidate
	// (after Order, Only and Ignore are applied); nil means true.
	AllowFallbacks *bool `json:"allow_fallbacks,omitempty"`
	// Only, when not empty, is the only providers allowed.
	Only []string `json:"only,omitempty"`
	// Ignore lists providers never used.
	Ignore []string `json:"ignore,omitempty"`
}

// ChatRequest is an OpenAI-style chat completion request. Model is the
// provider's own model name once the router has picked the provider.
type ChatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
	TopP        *float64  `json:"top_p,omitempty"`
	Seed        *int64    `json:"seed,omitempty"`
	Stop        []string  `json:"stop,omitempty"`
	Stream      bool      `json:"stream,omitempty"`

	// Tools the model may call, and ToolChoice ("none", "auto",
	// "required" or {"type":"function","function":{"name":...}}) as raw
	// JSON, passed to the provider as they are.
	Tools             []Tool          `json:"tools,omitempty"`
	ToolChoice        json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	ResponseFormat    *ResponseFormat `json:"response_format,omitempty"`
	// N is how many choices to generate; 0 means 1.
	N int `json:"n,omitempty"`
	// Logprobs asks for the log probability of each output token, and
	// TopLogprobs (0..20) for that many alternatives at each.
	Logprobs         bool               `json:"logprobs,omitempty"`
	TopLogprobs      int                `json:"top_logprobs,omitempty"`
	FrequencyPenalty *float64           `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64           `json:"presence_penalty,omitempty"`
	LogitBias        map[string]float64 `json:"logit_bias,omitempty"`
	StreamOptions    *StreamOptions     `json:"stream_options,omitempty"`
	// Models is a list of "provider/model" names tried in order after
	// Model fails (OpenRouter's "models"); the router reads it, providers
	// do not.
	Models []string `json:"models,omitempty"`
	// Provider is the router's provider preferences; providers ignore it.
	Provider *ProviderPrefs `json:"provider,omitempty"`
	// User is the end user's id, passed on to upstreams.
	User string `json:"user,omitempty"`
}

// Choices is how many choices req asks for: N, or 1 when N is 0.
func (req ChatRequest) Choices() int { return max(req.N, 1) }

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// TokenLogprob is the log probability of one output token and, when asked
// for, of the likeliest alternatives at its place.
type TokenLogprob struct {
	TopLogprob
	TopLogprobs []TopLogprob `json:"top_logprobs"`
}

// TopLogprob is one token (the output's, or an alternative) with its log
// probability and its bytes.
type TopLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// Logprobs is a choice's log probabilities, as OpenAI's choice.logprobs.
type Logprobs struct {
	Content []TokenLogprob `json:"content"`
}

// Choice is one generated answer.
type Choice struct {
	Index   int     `json:"index"`
	Message Message `json:"message"`
	// FinishReason is "stop", "length", "tool_calls" or "content_filter".
	FinishReason string    `json:"finish_reason"`
	Logprobs     *Logprobs `json:"logprobs,omitempty"`
}

// ChatResponse is a finished completion. Choices is authoritative;
// Content and FinishReason repeat Choices[0]'s content and finish reason
// for callers that want one answer (Normalize keeps them in step).
type ChatResponse struct {
	Model        string   `json:"model"`
	Choices      []Choice `json:"choices,omitempty"`
	Content      string   `json:"content"`
	FinishReason string   `json:"finish_reason"` // "stop", "length" or "tool_calls"
	Usage        Usage    `json:"usage"`
}

// Normalize makes Choices and Content/FinishReason agree: a response with
// no choices gets one from Content and FinishReason (a provider that
// answers one text); otherwise Content and FinishReason are set from
// Choices[0]. An empty finish reason becomes "stop".
func (r *ChatResponse) Normalize() {
	if len(r.Choices) == 0 {
		r.Choices = []Choice{{Message: Message{Role: "assistant", Content: r.Content}, FinishReason: r.FinishReason}}
	}
	for i := range r.Choices {
		c := &r.Choices[i]
		if c.FinishReason == "" {
			c.FinishReason = "stop"
		}
		if c.Message.Role == "" {
			c.Message.Role = "assistant"
		}
	}
	r.Content, r.FinishReason = r.Choices[0].Message.Content, r.Choices[0].FinishReason
}

// ToolCallDelta is a piece of a tool call being streamed: the first piece
// of a call has its ID and Name, the rest add to Arguments. Index is the
// call's place in the choice's tool calls.
type ToolCallDelta struct {
	Index     int    `json:"index"`
	ID        string `json:"id,omitempty"`
	Type      string `json:"type,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
}

// Delta is a piece of an answer being streamed, for choice Index: text,
// tool-call pieces and the log probabilities of the tokens it carries.
type Delta struct {
	Index     int             `json:"index"`
	Content   string          `json:"content,omitempty"`
	ToolCalls []ToolCallDelta `json:"tool_calls,omitempty"`
	Logprobs  []TokenLogprob  `json:"logprobs,omitempty"`
}

// Empty reports whether d carries nothing.
func (d Delta) Empty() bool {
	return d.Content == "" && len(d.ToolCalls) == 0 && len(d.Logprobs) == 0
}

// Provider is a model backend.
type Provider interface {
	// Name is the provider part of "provider/model".
	Name() string
	// Models lists the models it serves, without the provider prefix.
	Models(ctx context.Context) ([]string, error)
	// Chat completes req. When onDelta is not nil it is called with each
	// piece of the answer as it is produced (streaming); an error from
	// onDelta stops the generation and is returned. The response holds
	// every choice whole.
	Chat(ctx context.Context, req ChatRequest, onDelta func(Delta) error) (ChatResponse, error)
}

// Capabilities are the request features beyond plain chat that a provider
// supports. The router refuses (ErrBadRequest, naming the field) a
// request that uses one its provider does not declare, rather than let it
// be ignored.
type Capabilities struct {
	Tools            bool // tools, tool_choice, the tool role, tool calls
	JSONObject       bool // response_format json_object
	JSONSchema       bool // response_format json_schema
	N                bool // n > 1
	Logprobs         bool // logprobs, top_logprobs
	Penalties        bool // frequency_penalty, presence_penalty
	LogitBias        bool // logit_bias
	Seed             bool // seed (reproducible sampling)
	User             bool // user is passed on (else dropped: it never changes the answer)
	ParallelToolCall bool // parallel_tool_calls
	Multimodal       bool // content parts other than text (images, audio)
}

// Capable is implemented by a provider that supports features beyond
// plain chat. A provider that does not implement it supports none.
type Capable interface {
	// Capabilities are the features supported for model (the provider's
	// own name).
	Capabilities(model string) Capabilities
}

// EmbedRequest is an OpenAI embeddings request. Model is the provider's
// own model name once the router has picked the provider.
type EmbedRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
	// Dimensions, when positive, asks for embeddings of that length.
	Dimensions int    `json:"dimensions,omitempty"`
	User       string `json:"user,omitempty"`
}

// EmbedResponse holds one embedding per input, in order.
type EmbedResponse struct {
	Model      string      `json:"model"`
	Embeddings [][]float32 `json:"embeddings"`
	Usage      Usage       `json:"usage"`
}

// Embedder is implemented by a provider that computes embeddings.
type Embedder interface {
	Embed(ctx context.Context, req EmbedRequest) (EmbedResponse, error)
}

// SplitModel splits "provider/model" at the first slash.
func SplitModel(name string) (provider, model string, err error) {
	p, m, ok := strings.Cut(name, "/")
	if !ok || p == "" || m == "" {
		return "", "", fmt.Errorf("%w: model %q must be named provider/model (for example local/stories260K)", ErrBadRequest, name)
	}
	return p, m, nil
}

// UnmarshalJSON reads content as a string, null, or an array of parts
// (Content is then the text parts joined by newlines).
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	var raw struct {
		plain
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Message(raw.plain)
	c := bytes.TrimSpace(raw.Content)
	switch {
	case len(c) == 0 || bytes.Equal(c, []byte("null")):
		m.Content = ""
	case c[0] == '"':
		return json.Unmarshal(c, &m.Content)
	case c[0] == '[':
		var parts []json.RawMessage
		if err := json.Unmarshal(c, &parts); err != nil {
			return fmt.Errorf("content: %w", err)
		}
		m.Parts = make([]ContentPart, len(parts))
		var texts []string
		for i, p := range parts {
			var cp ContentPart
			if err := json.Unmarshal(p, &cp); err != nil {
				return fmt.Errorf("content[%d]: %w", i, err)
			}
			if cp.Type == "" {
				return fmt.Errorf("content[%d]: a content part needs a type", i)
			}
			if cp.Type == "text" {
				texts = append(texts, cp.Text)
			}
			cp.Raw = p
			m.Parts[i] = cp
		}
		m.Content = strings.Join(texts, "\n")
	default:
		return errors.New("content must be a string, null or an array of content parts")
	}
	return nil
}

// TextOnly reports whether every part of m's content is text (so Content
// says it all).
func (m Message) TextOnly() bool {
	for _, p := range m.Parts {
		if p.Type != "text" {
			return false
		}
	}
	return true
}
