package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
)

// slowModel is a model provider that streams "tick " words with a pause
// between them: a long answer whose every pause is short.
type slowModel struct {
	words int
	pause time.Duration
}

func (slowModel) Name() string                             { return "slow" }
func (slowModel) Models(context.Context) ([]string, error) { return []string{"m"}, nil }

func (s slowModel) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	var out strings.Builder
	for i := range s.words {
		if i > 0 {
			select {
			case <-ctx.Done():
				return llm.ChatResponse{}, ctx.Err()
			case <-time.After(s.pause):
			}
		}
		out.WriteString("tick ")
		if onDelta != nil {
			if err := onDelta(llm.Delta{Content: "tick "}); err != nil {
				return llm.ChatResponse{}, err
			}
		}
	}
	return llm.ChatResponse{Model: "m", Content: out.String(), FinishReason: "stop", Usage: llm.Usage{PromptTokens: 1, CompletionTokens: s.words, TotalTokens: s.words + 1}}, nil
}

// answerNet is a devnet with a gateway, one worker whose router serves a
// slow model, an API key of alice's and her escrow.
type answerNet struct {
	d      *devnet.Devnet
	c      *client.Client
	apiKey string
	gw     string
}

func startAnswerNet(t *testing.T, model slowModel, idle time.Duration) *answerNet {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	d, c, alice := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, Cluster: true, GatewayIdleTimeout: idle,
		Agents: agentRuntime(model)})
	key := "phk-answers-test"
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(key))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the gateway to see the worker healthy", func() bool {
		return gatewayGauge(t, d.Gateway.URL(), "phala_gateway_healthy_workers") == 1
	})
	return &answerNet{d: d, c: c, apiKey: key, gw: d.Gateway.URL()}
}

// chat posts a chat request with the API key through the gateway and
// returns the request as sent and the response with its body read to the
// end (so its trailers are in).
func (n *answerNet) chat(t *testing.T, stream bool) (*http.Request, []byte, *http.Response, []byte) {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"model":"slow/m","messages":[{"role":"user","content":"count"}],"stream":%v}`, stream))
	var last string
	for range 50 { // the worker may need a block to see the key and the deposit
		req, _ := http.NewRequest("POST", n.gw+"/v1/chat/completions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+n.apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if err != nil {
				t.Fatalf("reading the answer: %v after %d bytes", err, len(out))
			}
			return req, body, resp, out
		}
		last = fmt.Sprintf("%s: %s", resp.Status, out)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no answer: %s", last)
	return nil, nil, nil, nil
}

// TestRedTeamAPIKeyAnswerBindsRequest: an API-key call (what the OpenAI
// SDKs send) gets an answer whose signature binds the request sent (its
// RequestHash: method, path, content headers, body) and the response
// received; one with another Content-Type no longer verifies. On main the
// API-key request hash came from a random nonce, and headers were not
// signed.
func TestRedTeamAPIKeyAnswerBindsRequest(t *testing.T) {
	n := startAnswerNet(t, slowModel{words: 3, pause: time.Millisecond}, 0)
	req, body, resp, out := n.chat(t, false)
	a, _, err := agentio.AnswerFrom(resp.Header)
	if err != nil {
		t.Fatalf("the answer to an API-key call is not signed: %v (headers %v)", err, resp.Header)
	}
	sent := agentio.RequestHash("POST", req.URL.RequestURI(), req.Header, body)
	exp := agentio.Expect{ChainID: "phala-devnet", Request: sent, Status: resp.StatusCode, Header: resp.Header, Body: out}
	if err := a.Check(exp); err != nil {
		t.Fatalf("the answer does not bind the API-key request sent: %v", err)
	}
	if a.Provider != "slow" || a.Model != "m" || a.Worker != [32]byte(n.d.Workers[0].ID()) {
		t.Fatalf("answer names %q/%q by %x", a.Provider, a.Model, a.Worker[:4])
	}
	// Another request body (same key): not this answer's request.
	other := agentio.RequestHash("POST", req.URL.RequestURI(), req.Header, append(body, ' '))
	if err := a.Check(agentio.Expect{Request: other}); !errors.Is(err, agentio.ErrAnswerRequest) {
		t.Fatalf("an answer to another request: %v, want %v", err, agentio.ErrAnswerRequest)
	}
	// A saved answer whose Content-Type was edited.
	edited := resp.Header.Clone()
	edited.Set("Content-Type", "text/html")
	if err := a.Check(agentio.Expect{Status: resp.StatusCode, Header: edited, Body: out}); !errors.Is(err, agentio.ErrAnswerResponse) {
		t.Fatalf("a header-edited answer: %v, want %v", err, agentio.ErrAnswerResponse)
	}
}

// TestRedTeamStreamArrivesSigned: a streamed chat through the gateway
// carries its signature over every byte of the stream, as trailers and as
// the stream's last event, and a truncated stream fails it. On main the
// gateway dropped the trailers: the stream arrived unsigned.
func TestRedTeamStreamArrivesSigned(t *testing.T) {
	n := startAnswerNet(t, slowModel{words: 5, pause: 10 * time.Millisecond}, 0)
	req, body, resp, out := n.chat(t, true)
	sent := agentio.RequestHash("POST", req.URL.RequestURI(), req.Header, body)
	a, _, err := agentio.AnswerFrom(resp.Trailer)
	if err != nil {
		t.Fatalf("the stream arrived unsigned: no %s trailer through the gateway (%v; trailers %v)", agentio.HeaderAnswer, err, resp.Trailer)
	}
	signed, event := splitSignatureEvent(t, out)
	exp := agentio.Expect{ChainID: "phala-devnet", Request: sent, Status: resp.StatusCode, Header: resp.Header, Body: signed}
	if err := a.Check(exp); err != nil {
		t.Fatalf("the stream's trailer signature: %v", err)
	}
	ea, _, err := agentio.AnswerFrom(event)
	if err != nil || ea != a {
		t.Fatalf("the signature event %v differs from the trailers: %v", event, err)
	}
	exp.Body = signed[:len(signed)-len("data: [DONE]\n\n")]
	if err := a.Check(exp); !errors.Is(err, agentio.ErrAnswerResponse) {
		t.Fatalf("a truncated stream: %v, want %v", err, agentio.ErrAnswerResponse)
	}
}

// TestRedTeamLongStreamNotCut: a stream that lasts longer than the
// gateway's idle timeout, with every pause shorter, reaches the caller
// whole and signed; on main the gateway's HTTP client cut every response
// at a fixed total time (60 s).
func TestRedTeamLongStreamNotCut(t *testing.T) {
	const idle = 600 * time.Millisecond
	n := startAnswerNet(t, slowModel{words: 12, pause: 150 * time.Millisecond}, idle)
	start := time.Now()
	_, _, resp, out := n.chat(t, true)
	took := time.Since(start)
	if c := strings.Count(string(out), "tick"); c != 12 || !bytes.Contains(out, []byte("data: [DONE]")) {
		t.Fatalf("the gateway cut the stream after %v: %d of 12 words, [DONE] %v", took.Round(time.Millisecond), c, bytes.Contains(out, []byte("[DONE]")))
	}
	if took < 2*idle {
		t.Fatalf("the stream took %v: not longer than the idle timeout, the test proves nothing", took)
	}
	if _, _, err := agentio.AnswerFrom(resp.Trailer); err != nil {
		t.Fatalf("the long stream arrived unsigned: %v", err)
	}
}

// TestStalledStreamIsCut: a worker silent for longer than the idle timeout
// is cut off, so a stalled worker cannot hold a gateway connection forever.
func TestStalledStreamIsCut(t *testing.T) {
	const idle = 400 * time.Millisecond
	n := startAnswerNet(t, slowModel{words: 3, pause: 3 * idle}, idle)
	_, _, resp, out := n.chat(t, true)
	if bytes.Contains(out, []byte("[DONE]")) {
		t.Fatalf("a stream silent for %v passed an idle timeout of %v:\n%s", 3*idle, idle, out)
	}
	if _, _, err := agentio.AnswerFrom(resp.Trailer); err == nil {
		t.Fatal("a cut stream carries a signature")
	}
}

// splitSignatureEvent splits a signed stream into its signed bytes and
// the headers its last event carries.
func splitSignatureEvent(t *testing.T, out []byte) ([]byte, http.Header) {
	t.Helper()
	marker := []byte("event: phala.answer\n")
	i := bytes.LastIndex(out, marker)
	if i < 0 {
		t.Fatalf("the stream has no phala.answer event:\n%s", out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out[i+len(marker):]))
	sc.Scan()
	var m map[string]string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(sc.Text(), "data: ")), &m); err != nil {
		t.Fatalf("phala.answer event data %q: %v", sc.Text(), err)
	}
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return out[:i], h
}

// agentRuntime is a worker runtime whose router serves model.
func agentRuntime(model slowModel) pruntime.AgentRuntime {
	return pruntime.AgentRuntime{Router: llm.NewRouter(model)}
}
