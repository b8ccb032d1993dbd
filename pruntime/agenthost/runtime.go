package agenthost

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/phalanetwork/phala/agentio"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/sandbox"
)

// agentEntry wraps an agent module. The handler gets one argument that is
// both shapes at once: a String object holding the request as JSON (what
// Phala's ai-agent-template parses) carrying the request's fields as
// properties (what `main(request)` handlers read). A string result is
// parsed as the template's JSON.stringify({status, body, headers}).
const agentEntry = `import * as user from "./agent.js";
const main = typeof user.default === "function" ? user.default : user.main;
export async function __phala_agent(req) {
  if (typeof main !== "function") throw new Error("the agent exports no default (or main) function");
  const arg = Object.assign(new String(JSON.stringify(req)), req);
  let out = await main(arg);
  if (typeof out === "string") {
    try { out = JSON.parse(out); } catch (e) { out = { status: 200, body: out }; }
  }
  if (out === undefined || out === null || typeof out !== "object") out = { body: out === undefined || out === null ? "" : String(out) };
  let body = out.body;
  if (body === undefined || body === null) body = "";
  else if (typeof body !== "string") body = JSON.stringify(body);
  const headers = {};
  for (const [k, v] of Object.entries(out.headers ?? {})) headers[String(k)] = String(v);
  return { status: Number.isInteger(out.status) ? out.status : 200, headers, body };
}
`

// The web platform: weblazy.js runs first and loads the other files when
// an agent first touches one of their globals.
var (
	//go:embed webapi.js
	webapiJS string
	//go:embed weblazy.js
	webLazyJS string
	//go:embed weburl.js
	webURLJS string
	//go:embed webfetch.js
	webFetchJS string
	//go:embed websubtle.js
	webSubtleJS string
)

// agentPrelude builds the web platform and the host APIs agents see from
// the host functions.
var agentPrelude = webLazyJS + agentAPIsJS

// agentLazy are the parts of the web platform weblazy.js loads when an
// agent first touches them (sandbox.Env.Lazy).
var agentLazy = map[string]string{"web": webapiJS, "url": webURLJS, "fetch": webFetchJS, "subtle": webSubtleJS}

// agentAPIsJS is the Phala part of the prelude: llm, agents, kv, console.
const agentAPIsJS = `(() => {
  const g = globalThis;
  const hostChat = g.__phala_llm_chat, hostModels = g.__phala_llm_models,
    hostCall = g.__phala_agents_call, hostLog = g.__phala_log, kvGet = g.__phala_kv_get, kvSet = g.__phala_kv_set, kvDel = g.__phala_kv_delete;
  // llm.chat answers in both shapes: today's {model, content,
  // finish_reason, usage} and OpenAI's chat.completion (choices[0].message).
  const openAIShape = (r) => Object.assign(r, {
    object: "chat.completion", created: Math.floor(Date.now() / 1000),
    choices: [{ index: 0, message: { role: "assistant", content: r.content }, finish_reason: r.finish_reason }],
  });
  g.llm = Object.freeze({
    chat: async (req) => openAIShape(JSON.parse(await hostChat(JSON.stringify(req ?? {})))),
    models: async () => JSON.parse(await hostModels()),
  });
  g.agents = Object.freeze({ call: async (id, req) => JSON.parse(await hostCall(String(id), JSON.stringify(req ?? {}))) });
  g.kv = Object.freeze({
    get: (k) => { const v = kvGet(String(k)); return v === null || v === undefined ? null : JSON.parse(v); },
    set: (k, v) => { kvSet(String(k), JSON.stringify(v === undefined ? null : v)); },
    delete: (k) => { kvDel(String(k)); },
  });
  const show = (x) => typeof x === "string" ? x : x instanceof Error ? String(x.stack ?? x) : JSON.stringify(x);
  const line = (level) => (...a) => hostLog(level, a.map(show).join(" "));
  g.console = Object.freeze({ log: line("info"), info: line("info"), warn: line("warn"), error: line("error"), debug: line("debug") });
  for (const k of ["__phala_llm_chat", "__phala_llm_models", "__phala_agents_call", "__phala_log", "__phala_kv_get", "__phala_kv_set", "__phala_kv_delete"]) delete g[k];
})();
`

// Runtime is what agents may reach from a worker: set by the
// operator, applied inside the enclave.
type Runtime struct {
	// Egress is the policy of fetch; its zero value refuses loopback,
	// private, link-local and metadata addresses.
	Egress egress.Policy
	// Router serves llm.chat and the OpenAI-compatible API; nil means no
	// models.
	Router *llm.Router
	// Limits bound one handler call (default 10 s, 64 MiB, 1 MiB out).
	Limits sandbox.Limits
	// MaxDepth bounds agents.call chains (default 3).
	MaxDepth int
	// MemoryBudget bounds the memory the agent calls running at once may
	// hold together, in bytes: each call and each agents.call hop
	// reserves its Limits.Memory while it runs (default
	// DefaultMemoryBudget).
	MemoryBudget uint64
}

// DefaultMemoryBudget is Runtime.MemoryBudget's default: 32 calls at the
// default memory limit.
const DefaultMemoryBudget = 2 << 30

func (rt Runtime) withDefaults() Runtime {
	if rt.Limits.Time == 0 {
		rt.Limits.Time = 10 * time.Second
	}
	if rt.Limits.Memory == 0 {
		rt.Limits.Memory = 64 << 20
	}
	if rt.Limits.Output == 0 {
		rt.Limits.Output = 1 << 20
	}
	if rt.MaxDepth == 0 {
		rt.MaxDepth = 3
	}
	if rt.MemoryBudget == 0 {
		rt.MemoryBudget = DefaultMemoryBudget
	}
	if rt.Router == nil {
		rt.Router = llm.NewRouter()
	}
	return rt
}

func compileAgent(code []byte) (*sandbox.Program, error) {
	bundle, err := sandbox.Bundle(map[string]string{"entry.js": agentEntry, "agent.js": string(code)}, "entry.js")
	if err != nil {
		return nil, err
	}
	// Two VMs made ahead, the bootstrap and the prelude run in them: a
	// lone caller's next call finds its VM ready (made, and its last one
	// freed, on an idle core); with one, a call that came before the
	// refill was done made its own in about one call of five
	// (bench/RESULTS.md). About 260 KiB each, freed after a minute without
	// calls.
	return sandbox.Compile(bundle, sandbox.CompileOptions{Ready: 2})
}

// agentOutput is what the wrapped handler returns.
type agentOutput struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	// served names who answered, for the signed answer.
	served agentio.Answer
}

func marshalString(v any) (any, error) {
	raw, err := json.Marshal(v)
	return string(raw), err
}

// usageMeter counts the LLM tokens one agent call uses, for its receipt.
// A handler's llm.chat calls run at once, each on its own goroutine, so
// the count is atomic.
// usageMeter counts what one hop used: LLM tokens and outbound requests.
type usageMeter struct{ n, reqs atomic.Int64 }

func (m *usageMeter) add(n int) { m.n.Add(int64(n)) }

func (m *usageMeter) total() uint64 { return uint64(m.n.Load()) }

// request counts one outbound request.
func (m *usageMeter) request() { m.reqs.Add(1) }

// requests is how many outbound requests the hop made.
func (m *usageMeter) requests() uint64 { return uint64(m.reqs.Load()) }

// asyncHostAPIs are the asynchronous host functions every agent gets, on a
// worker and in dev mode alike: fetch under the session's egress policy and
// the AI router, whose tokens and requests are counted in tokens.
func asyncHostAPIs(session *egress.Session, router *llm.Router, caller string, tokens *usageMeter) map[string]sandbox.AsyncFunc {
	return map[string]sandbox.AsyncFunc{
		"__phala_fetch": func(ctx context.Context, args []any) (any, error) {
			u, init, err := fetchArgs(args)
			if err != nil {
				return nil, err
			}
			r, err := session.Do(ctx, egress.Request{Method: init.Method, URL: u, Headers: init.Headers, Body: init.Body})
			if err != nil {
				return nil, err
			}
			tokens.request()
			return fetchAnswer(r.Status, r.Headers, r.Body, r.URL)
		},
		"__phala_sleep": func(ctx context.Context, args []any) (any, error) {
			ms, _ := args[0].(float64)
			t := time.NewTimer(time.Duration(max(ms, 0)) * time.Millisecond)
			defer t.Stop()
			select {
			case <-t.C:
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		"__phala_llm_chat": func(ctx context.Context, args []any) (any, error) {
			text, err := core.StringArg(args, 0)
			if err != nil {
				return nil, err
			}
			var req llm.ChatRequest
			if err := json.Unmarshal([]byte(text), &req); err != nil {
				return nil, fmt.Errorf("llm.chat: %v", err)
			}
			req.Stream = false
			resp, err := router.Chat(ctx, caller, req, nil)
			tokens.add(resp.Usage.TotalTokens)
			if err != nil {
				return nil, err
			}
			return marshalString(resp)
		},
		"__phala_llm_models": func(ctx context.Context, _ []any) (any, error) {
			ms, err := router.Models(ctx)
			if err != nil {
				return nil, err
			}
			return marshalString(ms)
		},
	}
}

// fetchInit is what webfetch.js passes the fetch host function besides
// the URL; the body is base64 in JSON.
type fetchInit struct {
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"bodyBase64"`
}

// fetchArgs decodes the fetch host function's arguments.
func fetchArgs(args []any) (string, fetchInit, error) {
	var init fetchInit
	u, err := core.StringArg(args, 0)
	if err != nil {
		return "", init, err
	}
	initText, _ := core.StringArg(args, 1)
	if err := json.Unmarshal([]byte(initText), &init); err != nil {
		return "", init, fmt.Errorf("fetch: request: %w", err)
	}
	return u, init, nil
}

// fetchAnswer is the fetch host function's result, as webfetch.js reads it.
func fetchAnswer(status int, headers map[string]string, body []byte, url string) (any, error) {
	return marshalString(map[string]any{"status": status, "headers": headers, "bodyBase64": base64.StdEncoding.EncodeToString(body), "url": url})
}
