package openaiapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/phalanetwork/phala/llm"
)

// wireRequest is the OpenAI chat request body, with OpenRouter's models
// and provider. A field not listed here nor in ignoredFields is refused
// (400 naming it), so that nothing a caller asks for is silently dropped.
type wireRequest struct {
	commonFields
	Messages            []llm.Message       `json:"messages"`
	MaxCompletionTokens *int                `json:"max_completion_tokens"`
	Tools               []llm.Tool          `json:"tools"`
	ToolChoice          json.RawMessage     `json:"tool_choice"`
	ParallelToolCalls   *bool               `json:"parallel_tool_calls"`
	ResponseFormat      *llm.ResponseFormat `json:"response_format"`
	Logprobs            *bool               `json:"logprobs"`
	TopLogprobs         *int                `json:"top_logprobs"`
	Models              []string            `json:"models"`
	Provider            *llm.ProviderPrefs  `json:"provider"`
}

// commonFields are the fields the chat and the completions requests share.
type commonFields struct {
	Model            string             `json:"model"`
	MaxTokens        *int               `json:"max_tokens"`
	Temperature      *float64           `json:"temperature"`
	TopP             *float64           `json:"top_p"`
	N                *int               `json:"n"`
	Stop             stopList           `json:"stop"`
	Stream           *bool              `json:"stream"`
	StreamOptions    *llm.StreamOptions `json:"stream_options"`
	Seed             *int64             `json:"seed"`
	FrequencyPenalty *float64           `json:"frequency_penalty"`
	PresencePenalty  *float64           `json:"presence_penalty"`
	LogitBias        map[string]float64 `json:"logit_bias"`
	User             string             `json:"user"`
}

// chatRequest is the chat request of the shared fields (n checked),
// messages aside.
func (f commonFields) chatRequest() (llm.ChatRequest, error) {
	if f.N != nil && *f.N < 1 {
		return llm.ChatRequest{}, fmt.Errorf("n %d must be at least 1", *f.N)
	}
	req := llm.ChatRequest{
		Model: f.Model, Temperature: f.Temperature, TopP: f.TopP, Seed: f.Seed, Stop: f.Stop,
		Stream: f.Stream != nil && *f.Stream, FrequencyPenalty: f.FrequencyPenalty,
		PresencePenalty: f.PresencePenalty, LogitBias: f.LogitBias, User: f.User,
	}
	if f.N != nil {
		req.N = *f.N
	}
	if f.MaxTokens != nil {
		req.MaxTokens = *f.MaxTokens
	}
	return req, nil
}

// includeUsage says a stream should end with a usage chunk.
func (f commonFields) includeUsage() bool {
	return f.Stream != nil && *f.Stream && f.StreamOptions != nil && f.StreamOptions.IncludeUsage
}

// ignoredFields are accepted and have no effect: OpenAI platform
// bookkeeping with no bearing on the answer.
var ignoredFields = []string{"store", "metadata", "service_tier", "prompt_cache_key", "prompt_cache_retention"}

// knownFields are wireRequest's JSON names.
var knownFields = jsonNames(wireRequest{})

// stopList is "stop": a string, an array of strings, or null.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = stopList{one}
		return nil
	default:
		var many []string
		if err := json.Unmarshal(b, &many); err != nil {
			return errors.New("stop must be a string or an array of strings")
		}
		*s = many
		return nil
	}
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// decodeStrict decodes body into v, refusing fields that are neither v's
// nor in ignored, and naming the field of a type error.
func decodeStrict(body []byte, v any, known, ignored []string) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("invalid request body: %v", err)
	}
	if fields == nil {
		return errors.New("invalid request body: want a JSON object")
	}
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) && !slices.Contains(ignored, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown field %s: this server does not support it (it refuses fields it would otherwise ignore)", strings.Join(unknown, ", "))
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("invalid request body: field %s: %v", te.Field, err)
		}
		return fmt.Errorf("invalid request body: %v", err)
	}
	return nil
}

// parseRequest turns an OpenAI request body into an llm.ChatRequest; the
// router validates the rest (roles, bounds, what the provider supports).
func parseRequest(body []byte) (req llm.ChatRequest, includeUsage bool, err error) {
	var wr wireRequest
	if err := decodeStrict(body, &wr, knownFields, ignoredFields); err != nil {
		return req, false, err
	}
	if wr.Model == "" {
		return req, false, errors.New("model is required (models are named provider/model; GET /v1/models lists them)")
	}
	if req, err = wr.chatRequest(); err != nil {
		return req, false, err
	}
	req.Messages, req.Tools, req.ToolChoice, req.ParallelToolCalls = wr.Messages, wr.Tools, wr.ToolChoice, wr.ParallelToolCalls
	req.ResponseFormat, req.Logprobs, req.Models, req.Provider = wr.ResponseFormat, wr.Logprobs != nil && *wr.Logprobs, wr.Models, wr.Provider
	if req.ResponseFormat != nil && req.ResponseFormat.Type == "text" {
		req.ResponseFormat = nil // the default
	}
	if string(req.ToolChoice) == "null" {
		req.ToolChoice = nil
	}
	if wr.TopLogprobs != nil {
		req.TopLogprobs = *wr.TopLogprobs
	}
	for i := range req.Messages {
		if req.Messages[i].Role == "developer" { // OpenAI's newer name for system
			req.Messages[i].Role = "system"
		}
	}
	if wr.MaxCompletionTokens != nil {
		req.MaxTokens = *wr.MaxCompletionTokens
	}
	if req.MaxTokens < 0 {
		return req, false, fmt.Errorf("max_tokens %d must not be negative", req.MaxTokens)
	}
	return req, wr.includeUsage(), nil
}

// jsonNames lists the JSON field names of a struct value's fields (none
// of which may be omitempty).
func jsonNames(v any) []string {
	data, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	json.Unmarshal(data, &m)
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	return names
}
