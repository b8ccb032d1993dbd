package agenthost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/sandbox"
)

// maxPrograms bounds the compiled agents a worker keeps: each holds its
// bytecode and up to two VMs made ahead (about half a MiB), and anyone may
// deploy agents and call each once, so an unbounded cache would let one
// caller grow a worker's memory without end. The least recently called
// goes first; calling it again compiles it again.
const maxPrograms = 256

// program is a compiled agent, its manifest and when it was last called.
type program struct {
	prog *sandbox.Program
	man  Manifest
	used uint64
}

// programs are the compiled agents by code hash, at most maxPrograms;
// callers hold Host.mu.
type programs struct {
	by   map[[32]byte]*program
	tick uint64
}

// get returns the compiled agent of hash and marks it used.
func (ps *programs) get(hash [32]byte) (*program, bool) {
	p, ok := ps.by[hash]
	if ok {
		ps.tick++
		p.used = ps.tick
	}
	return p, ok
}

// put adds a compiled agent, first dropping the least recently used one
// when the cache is full.
func (ps *programs) put(hash [32]byte, p *program) {
	if _, ok := ps.by[hash]; !ok && len(ps.by) >= maxPrograms {
		var oldest [32]byte
		first := true
		for h, q := range ps.by {
			if first || q.used < ps.by[oldest].used {
				oldest, first = h, false
			}
		}
		delete(ps.by, oldest)
	}
	ps.tick++
	p.used = ps.tick
	ps.by[hash] = p
}

// agentProgram returns the compiled agent whose code hash is hash and its
// manifest, compiling the code the chain holds on first use.
func (host *Host) agentProgram(ctx context.Context, src chainsync.Source, hash [32]byte) (*program, error) {
	host.mu.Lock()
	p, ok := host.programs.get(hash)
	host.mu.Unlock()
	if ok {
		return p, nil
	}
	code, _, err := host.core.Cached(ctx, src, contracts.CodeKey(hash))
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(code) != hash {
		return nil, fmt.Errorf("code %x is not on chain", hash)
	}
	man, err := ParseManifest(code)
	if err != nil {
		return nil, err
	}
	prog, err := compileAgent(code)
	if err != nil {
		return nil, err
	}
	p = &program{prog: prog, man: man}
	host.mu.Lock()
	host.programs.put(hash, p)
	host.mu.Unlock()
	return p, nil
}

// agentEnv is the host side of the agent APIs for one hop of an agent
// whose code's manifest is man.
func (host *Host) agentEnv(ctx context.Context, src chainsync.Source, cc *callCtx, txn *kvTxn, man Manifest) sandbox.Env {
	rt := host.runtime()
	store := agentStore{get: txn.get, set: txn.set, log: func(level, msg string) { txn.log(host.logLine(level, msg)) }}
	return store.env(host.agentAsync(ctx, src, cc, rt, man))
}

// agentStore is where an agent's kv and console go: the hop's replicated
// kv transaction on a worker, memory and the terminal under phala agent
// dev. A nil value is a missing key.
type agentStore struct {
	get func(k string) (*string, error)
	set func(k string, v *string) error
	log func(level, msg string)
}

// env is the agent's sandbox environment over s: the prelude, the web
// platform, console and kv as host functions, and async (llm, fetch,
// agents.call).
func (s agentStore) env(async map[string]sandbox.AsyncFunc) sandbox.Env {
	return sandbox.Env{
		Prelude: agentPrelude,
		Lazy:    agentLazy,
		Funcs: webHostFuncs(map[string]sandbox.HostFunc{
			"__phala_log": func(args []any) (any, error) {
				level, _ := core.StringArg(args, 0)
				msg, err := core.StringArg(args, 1)
				if err != nil {
					return nil, err
				}
				s.log(level, msg)
				return nil, nil
			},
			"__phala_kv_get": func(args []any) (any, error) {
				k, err := core.StringArg(args, 0)
				if err != nil {
					return nil, err
				}
				v, err := s.get(k)
				if v == nil || err != nil {
					return nil, err
				}
				return *v, nil
			},
			"__phala_kv_set": func(args []any) (any, error) {
				kv, err := core.StringArgs(args, 2)
				if err != nil {
					return nil, err
				}
				return nil, s.set(kv[0], &kv[1])
			},
			"__phala_kv_delete": func(args []any) (any, error) {
				k, err := core.StringArg(args, 0)
				if err != nil {
					return nil, err
				}
				return nil, s.set(k, nil)
			},
		}),
		Async: async,
	}
}

// agentAsync adds agents.call to the common asynchronous host APIs.
func (host *Host) agentAsync(_ context.Context, src chainsync.Source, cc *callCtx, rt Runtime, man Manifest) map[string]sandbox.AsyncFunc {
	fns := asyncHostAPIs(cc.session, rt.Router, cc.caller.addr.String(), &cc.tokens)
	fns["__phala_fetch"] = routeLLMHosts(man.LLMHosts, rt.Router, cc.caller.addr.String(), &cc.tokens, fns["__phala_fetch"])
	fns["__phala_agents_call"] = func(ctx context.Context, args []any) (any, error) {
		idText, err := core.StringArg(args, 0)
		if err != nil {
			return nil, err
		}
		text, _ := core.StringArg(args, 1)
		b, err := hex.DecodeString(idText)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("agents.call: agent id must be 64 hex characters")
		}
		if cc.depth+1 > rt.MaxDepth {
			return nil, fmt.Errorf("agents.call: call depth limit %d reached", rt.MaxDepth)
		}
		var sub struct {
			Method  string              `json:"method"`
			Path    string              `json:"path"`
			Queries map[string][]string `json:"queries"`
			Headers map[string]string   `json:"headers"`
			Body    any                 `json:"body"`
		}
		json.Unmarshal([]byte(text), &sub)
		body, _ := sub.Body.(string)
		if sub.Body != nil && body == "" {
			raw, _ := json.Marshal(sub.Body)
			body = string(raw)
		}
		h := http.Header{}
		for k, v := range sub.Headers {
			h.Set(k, v)
		}
		// The child bills its own hop under the next number: its tokens
		// and requests are in its receipt, not added to this one.
		next := &callCtx{caller: cc.caller, root: cc.root, depth: cc.depth + 1, hop: cc.hops.Add(1), hops: cc.hops, session: cc.session, held: cc.held, parent: cc, prices: cc.prices}
		out, err := host.runAgent(ctx, src, next, Request{Agent: [32]byte(b), Method: orDefault(sub.Method, "GET"), Path: orDefault(sub.Path, "/"),
			Query: url.Values(sub.Queries), Headers: h, Body: []byte(body)})
		if err != nil {
			return nil, fmt.Errorf("agents.call %s: %v", idText[:16], err)
		}
		return marshalString(out)
	}
	return fns
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
