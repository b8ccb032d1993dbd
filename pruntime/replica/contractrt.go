package replica

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/sandbox"
)

// contractEntry wraps a contract's module: it gives each handler a context
// object whose state and emit reach the enclave through host functions,
// and exports the calls the enclave makes. The contract's own exports are
// init, handle, query and migrate (docs/contracts.md).
const contractEntry = `import * as user from "./contract.js";
function ctxOf(d) {
  return Object.freeze({
    contract: d.contract, caller: d.caller, height: d.height, time: d.time, input: d.input,
    state: Object.freeze({
      get(k) { const v = __phala_state_get(String(k)); return v === null || v === undefined ? null : JSON.parse(v); },
      set(k, v) { __phala_state_set(String(k), JSON.stringify(v === undefined ? null : v)); },
      delete(k) { __phala_state_delete(String(k)); },
      keys(p) { return JSON.parse(__phala_state_keys(p === undefined ? "" : String(p))); },
    }),
    emit(ev) { __phala_emit(JSON.stringify(ev === undefined ? null : ev)); },
  });
}
export async function __phala_init(d, a) { return typeof user.init === "function" ? await user.init(ctxOf(d), a) : null; }
export async function __phala_handle(d, p) {
  if (typeof user.handle !== "function") throw new Error("the contract exports no handle function");
  return await user.handle(ctxOf(d), p);
}
export async function __phala_query(d, p) {
  if (typeof user.query !== "function") throw new Error("the contract exports no query function");
  return await user.query(ctxOf(d), p);
}
export async function __phala_migrate(d) { return typeof user.migrate === "function" ? await user.migrate(ctxOf(d)) : null; }
`

// Entry points of the wrapped module.
const (
	callInit    = "__phala_init"
	callHandle  = "__phala_handle"
	callQuery   = "__phala_query"
	callMigrate = "__phala_migrate"
)

// ContractLimits bound one contract call besides its gas. Gas decides
// when a heavy call ends, the same way on every replica: built-ins bill
// their work too (sandbox/native.go), and the chain's CommandGas of the
// slowest kind of work measured takes about 1.6 s on a 2-core machine
// running 14 busy processes (docs/sandbox.md). The time limit only guards
// the host, far enough above that for a slow or busy replica never to reach
// it before the gas runs out.
var ContractLimits = sandbox.Limits{Time: 20 * time.Second, Memory: 32 << 20, Output: 16 << 10}

// errReadOnly is what a query gets when it writes state.
var errReadOnly = errors.New("state is read-only in a query")

// compileContract wraps and compiles a contract module, metered.
func compileContract(code []byte) (*sandbox.Program, error) {
	bundle, err := sandbox.Bundle(map[string]string{"entry.js": contractEntry, "contract.js": string(code)}, "entry.js")
	if err != nil {
		return nil, err
	}
	return sandbox.Compile(bundle, sandbox.CompileOptions{Metered: true})
}

// callInfo is the plain data of a handler's context.
type callInfo struct {
	Contract string `json:"contract"`
	Caller   string `json:"caller"`
	Height   int64  `json:"height"`
	Time     int64  `json:"time"`
	Input    uint64 `json:"input"`
}

// contractCall runs one entry point against st. Writes go to st directly;
// callers pass a clone when a failure must leave no trace.
func contractCall(ctx context.Context, prog *sandbox.Program, fn string, info callInfo, arg any, st *contractstate.State, readOnly bool,
	det *sandbox.Determinism, gas uint64) (sandbox.Result, []json.RawMessage, error) {
	var events []json.RawMessage
	funcs := stateFuncs(st, readOnly)
	funcs["__phala_emit"] = func(args []any) (any, error) {
		s, err := core.StringArg(args, 0)
		if err != nil {
			return nil, err
		}
		if len(events) >= 64 {
			return nil, errors.New("at most 64 events per call")
		}
		events = append(events, json.RawMessage(s))
		return nil, nil
	}
	lim := ContractLimits
	lim.Gas = gas
	res, err := prog.Call(ctx, fn, []any{info, arg}, sandbox.Env{Deterministic: det, Funcs: funcs}, lim)
	return res, events, err
}

// stateFuncs are the host functions through which a contract's ctx.state
// reaches st; in a query (readOnly) writes fail.
func stateFuncs(st *contractstate.State, readOnly bool) map[string]sandbox.HostFunc {
	write := func(f sandbox.HostFunc) sandbox.HostFunc {
		return func(args []any) (any, error) {
			if readOnly {
				return nil, errReadOnly
			}
			return f(args)
		}
	}
	return map[string]sandbox.HostFunc{
		"__phala_state_get": func(args []any) (any, error) {
			k, err := core.StringArg(args, 0)
			if err != nil {
				return nil, err
			}
			if v := st.Get(k); v != nil {
				return string(v), nil
			}
			return nil, nil
		},
		"__phala_state_set": write(func(args []any) (any, error) {
			kv, err := core.StringArgs(args, 2)
			if err != nil {
				return nil, err
			}
			return nil, st.Set(kv[0], []byte(kv[1]))
		}),
		"__phala_state_delete": write(func(args []any) (any, error) {
			k, err := core.StringArg(args, 0)
			if err != nil {
				return nil, err
			}
			st.Delete(k)
			return nil, nil
		}),
		"__phala_state_keys": func(args []any) (any, error) {
			p, err := core.StringArg(args, 0)
			if err != nil {
				return nil, err
			}
			keys := st.Keys(p)
			if keys == nil {
				keys = []string{}
			}
			raw, _ := json.Marshal(keys)
			return string(raw), nil
		},
	}
}

// errorCategory is the public name of a failure: the chain records only
// this, since a script's own message may quote secret state.
func errorCategory(err error) string {
	for _, c := range []struct {
		err  error
		name string
	}{
		{sandbox.ErrOutOfGas, "out of gas"},
		{sandbox.ErrTimeout, "time limit"},
		{sandbox.ErrMemory, "memory limit"},
		{sandbox.ErrStackOverflow, "stack overflow"},
		{sandbox.ErrOutputTooLarge, "output too large"},
		{sandbox.ErrCompile, "code does not compile"},
		{sandbox.ErrNoExport, "no such entry point"},
		{sandbox.ErrScript, "script error"},
	} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "execution failed"
}
