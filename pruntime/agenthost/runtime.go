package agenthost

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/phalanetwork/phala/agentio"
	"sync/atomic"
	"time"

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

// agentPrelude builds the host APIs agents see from the host functions.
const agentPrelude = `(() => {
  const g = globalThis;
  const hostFetch = g.__phala_fetch, hostChat = g.__phala_llm_chat, hostModels = g.__phala_llm_models,
    hostCall = g.__phala_agents_call, hostLog = g.__phala_log, kvGet = g.__phala_kv_get, kvSet = g.__phala_kv_set, kvDel = g.__phala_kv_delete;
  class Headers {
    constructor(h) { this.h = {}; for (const [k, v] of Object.entries(h ?? {})) this.h[k.toLowerCase()] = String(v); }
    get(k) { const v = this.h[String(k).toLowerCase()]; return v === undefined ? null : v; }
    has(k) { return String(k).toLowerCase() in this.h; }
    entries() { return Object.entries(this.h)[Symbol.iterator](); }
    forEach(f) { for (const [k, v] of Object.entries(this.h)) f(v, k, this); }
  }
  g.Headers = Headers;
  g.fetch = async (url, init) => {
    init = init ?? {};
    let headers = init.headers ?? {};
    if (headers instanceof Headers) headers = headers.h;
    let body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string") body = JSON.stringify(body);
    const r = JSON.parse(await hostFetch(String(url), JSON.stringify({ method: init.method ?? "GET", headers, body: body ?? "" })));
    return { ok: r.status >= 200 && r.status < 300, status: r.status, url: r.url, headers: new Headers(r.headers),
      text: async () => r.body, json: async () => JSON.parse(r.body) };
  };
  g.llm = Object.freeze({
    chat: async (req) => JSON.parse(await hostChat(JSON.stringify(req ?? {}))),
    models: async () => JSON.parse(await hostModels()),
  });
  g.agents = Object.freeze({ call: async (id, req) => JSON.parse(await hostCall(String(id), JSON.stringify(req ?? {}))) });
  g.kv = Object.freeze({
    get: (k) => { const v = kvGet(String(k)); return v === null || v === undefined ? null : JSON.parse(v); },
    set: (k, v) => { kvSet(String(k), JSON.stringify(v === undefined ? null : v)); },
    delete: (k) => { kvDel(String(k)); },
  });
  const line = (level) => (...a) => hostLog(level, a.map((x) => typeof x === "string" ? x : JSON.stringify(x)).join(" "));
  g.console = Object.freeze({ log: line("info"), info: line("info"), warn: line("warn"), error: line("error"), debug: line("debug") });
  for (const k of ["__phala_fetch", "__phala_llm_chat", "__phala_llm_models", "__phala_agents_call", "__phala_log", "__phala_kv_get", "__phala_kv_set", "__phala_kv_delete"]) delete g[k];
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
}

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
	return sandbox.Compile(bundle, sandbox.CompileOptions{})
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
			u, err := core.StringArg(args, 0)
			if err != nil {
				return nil, err
			}
			initText, _ := core.StringArg(args, 1)
			var init struct {
				Method  string            `json:"method"`
				Headers map[string]string `json:"headers"`
				Body    string            `json:"body"`
			}
			json.Unmarshal([]byte(initText), &init)
			r, err := session.Do(ctx, egress.Request{Method: init.Method, URL: u, Headers: init.Headers, Body: []byte(init.Body)})
			if err != nil {
				return nil, err
			}
			tokens.request()
			return marshalString(map[string]any{"status": r.Status, "headers": r.Headers, "body": string(r.Body), "url": r.URL})
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
