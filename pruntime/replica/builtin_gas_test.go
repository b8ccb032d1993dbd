package replica

import (
	"context"
	"encoding/hex"
	"runtime"
	"sync"
	"testing"

	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/sandbox"
)

// heavyContract does its work inside built-ins: each kind loops natively
// over much more than a command's gas could pay for in JavaScript, and
// stores what it got, so that the state root shows whether it finished.
const heavyContract = `
export function handle(ctx, p) {
  const n = p.n;
  let out;
  switch (p.kind) {
  case "array-like": out = Array.prototype.indexOf.call({ length: n }, 1); break;
  case "sparse forEach": { const a = []; a.length = n; let c = 0; a.forEach(() => c++); out = c; break; }
  case "join": { const a = new Array(1000).fill("ab"); out = 0; for (let i = 0; i < n / 1000; i++) out += a.join(",").length; break; }
  case "sort": { const a = Array.from({ length: 1000 }, (_, i) => String((i * 7919) % 1000)); out = 0; for (let i = 0; i < n / 10000; i++) out += a.slice().sort()[0].length; break; }
  case "regexp": out = /(a+)+$/.test("a".repeat(Math.min(n, 40)) + "b"); break;
  case "JSON.parse": { const s = "[" + "1,".repeat(1000) + "1]"; out = 0; for (let i = 0; i < n / 1000; i++) out += JSON.parse(s).length; break; }
  case "small": out = [3, 1, 2].sort().join("") + JSON.stringify({ a: [1, 2] }); break;
  }
  ctx.state.set(p.kind, out);
  return out;
}
`

// outcome is what a replica commits for one input.
type outcome struct {
	category string // "" when the call succeeded
	gas      uint64
	value    string
	root     string // state root after the input
}

// runReplica runs the inputs in order the way execute does: each call on a
// clone of the state, kept only when the call succeeds.
func runReplica(t *testing.T, prog *sandbox.Program, inputs []map[string]any) []outcome {
	t.Helper()
	st := contractstate.New()
	rootKey := []byte("root key of the test contract....")
	var outs []outcome
	for i, in := range inputs {
		det := &sandbox.Determinism{TimeMillis: 1_700_000_000_000, Seed: [32]byte{byte(i)}}
		info := callInfo{Contract: hex.EncodeToString(make([]byte, 32)), Caller: "caller", Height: 10, Time: det.TimeMillis, Input: uint64(i)}
		clone := st.Clone()
		res, _, err := contractCall(context.Background(), prog, callHandle, info, in, clone, false, det, commandGas)
		o := outcome{gas: res.GasUsed, value: string(res.Value)}
		if err != nil {
			o.category = errorCategory(err)
		} else {
			st = clone
		}
		r := st.Root(rootKey)
		o.root = hex.EncodeToString(r[:8])
		outs = append(outs, o)
	}
	return outs
}

// commandGas is the gas of each command: a fifth of the chain's default
// (contracts.DefaultParams), to keep the test short, less under the race
// detector.
const commandGas = 2_000_000 / raceScale

// slowed runs f on a replica made slower: one OS thread for Go code, shared
// with goroutines that only burn CPU.
func slowed(f func()) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := 0; ; x++ {
				select {
				case <-stop:
					return
				default:
				}
				for range 1 << 16 {
					x ^= x<<1 + 1
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	f()
}

// TestHeavyBuiltinsAgreeOnUnequalReplicas runs contracts whose work is in
// built-ins on a fast replica and on one slowed several times: both must
// commit the same outcomes, gas and state roots. The heavy ones must run out
// of gas, which does not depend on speed, rather than out of time, which
// does.
func TestHeavyBuiltinsAgreeOnUnequalReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	prog, err := compileContract([]byte(heavyContract))
	if err != nil {
		t.Fatal(err)
	}
	heavy := []string{"array-like", "sparse forEach", "join", "sort", "JSON.parse"}
	var inputs []map[string]any
	for _, k := range heavy {
		inputs = append(inputs, map[string]any{"kind": k, "n": 40_000_000})
	}
	inputs = append(inputs, map[string]any{"kind": "regexp", "n": 40})
	// Lighter work that fits the gas: it must succeed, with the same gas
	// and state, on both.
	light := []map[string]any{{"kind": "join", "n": 50_000 / raceScale}, {"kind": "JSON.parse", "n": 20_000 / raceScale},
		{"kind": "sort", "n": 50_000 / raceScale}, {"kind": "small", "n": 0}}
	inputs = append(inputs, light...)
	fast := runReplica(t, prog, inputs)
	var slow []outcome
	slowed(func() { slow = runReplica(t, prog, inputs) })
	for i, in := range inputs {
		f, s := fast[i], slow[i]
		t.Logf("%-15v fast %+v slow %+v", in["kind"], f, s)
		if f != s {
			t.Errorf("%v: replicas disagree: fast %+v, slow %+v", in["kind"], f, s)
		}
		switch {
		case i <= len(heavy) && f.category != "out of gas": // the heavy ones and the regexp
			t.Errorf("%v: %q, want out of gas", in["kind"], f.category)
		case i > len(heavy) && f.category != "":
			t.Errorf("%v, n=%v: %q, want success", in["kind"], in["n"], f.category)
		}
	}
	if last := fast[len(fast)-1]; last.category != "" || last.value != `"123{\"a\":[1,2]}"` {
		t.Errorf("small built-ins: %+v", last)
	}
}
