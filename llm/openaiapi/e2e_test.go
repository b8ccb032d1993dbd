package openaiapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openai"
	"github.com/phalanetwork/phala/llm/openaiapi"
)

// TestEndToEnd runs llm/openai (client) against llm/openaiapi (server):
// a router whose provider "gw" is this server, whose router has "fake".
func TestEndToEnd(t *testing.T) {
	const key = "sk-e2e-0123456789"
	f := &fake{name: "fake", models: []string{"m"}, chat: words("Hello", ", ", "world")}
	down := &fake{name: "down", models: []string{"m"}, chat: failing(llm.ErrProvider)}
	serverRouter := llm.NewRouter(f, down)
	// The gateway's authentication, in short: the bearer token is the caller.
	callerFrom := func(r *http.Request) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") }
	srv := httptest.NewServer(openaiapi.New(serverRouter, callerFrom))
	defer srv.Close()

	gw, err := openai.New("gw", srv.URL+"/v1", key, openai.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	client := llm.NewRouter(gw)
	ctx := context.Background()

	ms, err := client.Models(ctx)
	if err != nil || !slices.Equal(ms, []string{"gw/fake/m", "gw/down/m"}) {
		t.Fatalf("models = %v, %v", ms, err)
	}

	seed := int64(3)
	req := llm.ChatRequest{Model: "gw/fake/m", Messages: []llm.Message{{Role: "system", Content: "s"}, {Role: "user", Content: "hi"}}, MaxTokens: 30, Seed: &seed, Stop: []string{"x"}}
	want := llm.ChatResponse{Model: "gw/fake/m", Content: "Hello, world", FinishReason: "stop", Usage: llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10}}
	for _, stream := range []bool{false, true} {
		var deltas []string
		var onDelta func(llm.Delta) error
		if stream {
			onDelta = func(d llm.Delta) error { deltas = append(deltas, d.Content); return nil }
		}
		resp, err := client.Chat(ctx, "me", req, onDelta)
		if err != nil {
			t.Fatalf("stream=%v: %v", stream, err)
		}
		resp.Normalize()
		want.Normalize()
		if !reflect.DeepEqual(resp, want) {
			t.Errorf("stream=%v: resp = %+v, want %+v", stream, resp, want)
		}
		if stream && !slices.Equal(deltas, []string{"Hello", ", ", "world"}) {
			t.Errorf("deltas = %q", deltas)
		}
		got := f.last()
		if got.Model != "m" || got.MaxTokens != 30 || *got.Seed != 3 || !slices.Equal(got.Stop, []string{"x"}) || len(got.Messages) != 2 || got.Stream != stream {
			t.Errorf("stream=%v: upstream provider got %+v", stream, got)
		}
	}
	// Both sides metered the same tokens: the client to "me", the server
	// to the caller the gateway named.
	if u := client.Usage("me"); u.TotalTokens != 20 {
		t.Errorf("client metered %+v", u)
	}
	if u := serverRouter.Usage(key); u.TotalTokens != 20 {
		t.Errorf("server metered %+v", u)
	}

	// Errors cross the wire with their kind.
	for model, want := range map[string]error{
		"gw/down/m": llm.ErrProvider,
		"gw/nope/m": llm.ErrUnknownModel,
		"gw/fake":   llm.ErrBadRequest, // the server sees "fake": no provider/model
	} {
		for _, stream := range []bool{false, true} {
			var onDelta func(llm.Delta) error
			if stream {
				onDelta = func(llm.Delta) error { return nil }
			}
			r := req
			r.Model = model
			_, err := client.Chat(ctx, "me", r, onDelta)
			if !errors.Is(err, want) {
				t.Errorf("%s stream=%v: err = %v, want %v", model, stream, err, want)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("error shows the key: %v", err)
			}
		}
	}
}
