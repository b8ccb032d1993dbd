// Package llm is the AI router's vocabulary: chat requests and responses
// in the OpenAI shape, the Provider interface every model backend
// implements (an OpenAI-compatible endpoint, the embedded local model), and
// the errors they share. Models are named "provider/model".
package llm

import (
	"context"
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

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
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
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatResponse is a finished completion.
type ChatResponse struct {
	Model        string `json:"model"`
	Content      string `json:"content"`
	FinishReason string `json:"finish_reason"` // "stop" or "length"
	Usage        Usage  `json:"usage"`
}

// Provider is a model backend.
type Provider interface {
	// Name is the provider part of "provider/model".
	Name() string
	// Models lists the models it serves, without the provider prefix.
	Models(ctx context.Context) ([]string, error)
	// Chat completes req. When onDelta is not nil it is called with each
	// piece of text as it is produced (streaming); an error from onDelta
	// stops the generation and is returned.
	Chat(ctx context.Context, req ChatRequest, onDelta func(string) error) (ChatResponse, error)
}

// SplitModel splits "provider/model" at the first slash.
func SplitModel(name string) (provider, model string, err error) {
	p, m, ok := strings.Cut(name, "/")
	if !ok || p == "" || m == "" {
		return "", "", fmt.Errorf("%w: model %q must be named provider/model (for example local/stories260K)", ErrBadRequest, name)
	}
	return p, m, nil
}
