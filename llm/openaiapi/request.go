package openaiapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/phalanetwork/phala/llm"
)

// wireRequest is the OpenAI request body. Fields not listed (user,
// frequency_penalty, presence_penalty, logit_bias, logprobs, tool_choice,
// parallel_tool_calls, ...) are accepted and ignored.
type wireRequest struct {
	Model               string          `json:"model"`
	Messages            []wireMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Seed                *int64          `json:"seed"`
	Stop                stopList        `json:"stop"`
	Stream              *bool           `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	N                   *int            `json:"n"`
	Tools               json.RawMessage `json:"tools"`
	Functions           json.RawMessage `json:"functions"`
	ResponseFormat      *struct {
		Type string `json:"type"`
	} `json:"response_format"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type wireMessage struct {
	Role    string      `json:"role"`
	Content textContent `json:"content"`
}

// textContent is a message content: a string, null, or an array of
// content parts of which only {"type":"text","text":...} are supported
// (joined with newlines).
type textContent string

func (c *textContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = textContent(s)
		return nil
	case len(b) > 0 && b[0] == '[':
		var parts []struct {
			Type string  `json:"type"`
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		texts := make([]string, 0, len(parts))
		for _, p := range parts {
			if p.Type != "text" || p.Text == nil {
				return fmt.Errorf("content part of type %q is not supported: only text", p.Type)
			}
			texts = append(texts, *p.Text)
		}
		*c = textContent(strings.Join(texts, "\n"))
		return nil
	default:
		return errors.New("content must be a string, null or an array of text parts")
	}
}

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

// parseRequest turns an OpenAI request body into an llm.ChatRequest; the
// router validates the rest (roles, bounds).
func parseRequest(body []byte) (req llm.ChatRequest, includeUsage bool, err error) {
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return req, false, fmt.Errorf("invalid request body: field %s: %v", te.Field, err)
		}
		return req, false, fmt.Errorf("invalid request body: %v", err)
	}
	if wr.Model == "" {
		return req, false, errors.New("model is required (models are named provider/model; GET /v1/models lists them)")
	}
	if wr.N != nil && *wr.N != 1 {
		return req, false, fmt.Errorf("n=%d is not supported: only one choice", *wr.N)
	}
	if present(wr.Tools) || present(wr.Functions) {
		return req, false, errors.New("tools and functions are not supported")
	}
	if rf := wr.ResponseFormat; rf != nil && rf.Type != "" && rf.Type != "text" {
		return req, false, fmt.Errorf("response_format %q is not supported: only text", rf.Type)
	}
	req.Model = wr.Model
	req.Messages = make([]llm.Message, len(wr.Messages))
	for i, m := range wr.Messages {
		role := m.Role
		if role == "developer" { // OpenAI's newer name for system
			role = "system"
		}
		req.Messages[i] = llm.Message{Role: role, Content: string(m.Content)}
	}
	switch {
	case wr.MaxCompletionTokens != nil:
		req.MaxTokens = *wr.MaxCompletionTokens
	case wr.MaxTokens != nil:
		req.MaxTokens = *wr.MaxTokens
	}
	if req.MaxTokens < 0 {
		return req, false, fmt.Errorf("max_tokens %d must not be negative", req.MaxTokens)
	}
	req.Temperature = wr.Temperature
	req.TopP = wr.TopP
	req.Seed = wr.Seed
	req.Stop = wr.Stop
	req.Stream = wr.Stream != nil && *wr.Stream
	includeUsage = req.Stream && wr.StreamOptions != nil && wr.StreamOptions.IncludeUsage
	return req, includeUsage, nil
}

// present reports whether a raw JSON value is there and not null or empty.
func present(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "[]"
}
