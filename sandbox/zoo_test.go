package sandbox

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// zoo is one hostile script per kind of native built-in that loops without
// calling back into JavaScript often enough for the engine to poll its
// interrupt: array-likes, join, sort, searches, regular expression
// backtracking, JSON, string building.
var zoo = []struct{ name, body string }{
	{"forEach over a huge array-like", `Array.prototype.forEach.call({length: 2**40}, () => 0)`},
	{"every over a huge array-like", `Array.prototype.every.call({length: 2**40}, () => false)`},
	{"reduce over a huge sparse array", `const a = []; a.length = 2**32 - 1; a.reduce((x) => x, 0)`},
	{"indexOf over a huge array-like", `Array.prototype.indexOf.call({length: 2**40}, 1)`},
	{"lastIndexOf over a huge array-like", `Array.prototype.lastIndexOf.call({length: 2**40}, 1)`},
	{"includes over a huge array-like", `Array.prototype.includes.call({length: 2**40}, 1)`},
	{"join of a huge array-like", `Array.prototype.join.call({length: 2**30})`},
	{"join of a huge sparse array, again and again", `const a = []; a.length = 2**24; for (;;) a.join()`},
	{"fill of a huge array-like", `Array.prototype.fill.call({length: 2**40}, 1)`},
	{"reverse of a huge array-like", `Array.prototype.reverse.call({length: 2**40})`},
	{"copyWithin over a huge array-like", `Array.prototype.copyWithin.call({length: 2**40}, 1, 0)`},
	{"findLast over a huge sparse array", `const a = []; a.length = 2**32 - 1; a.findLastIndex(() => false)`},
	{"split of a long string, again and again", `const s = "x".repeat(2**20); for (;;) s.split("")`},
	{"sort of a large array, again and again", `const a = Array.from({length: 2**18}, (_, i) => String(i * 7919 % 2**18)); for (;;) a.slice().sort()`},
	{"catastrophic regex backtracking", `/(a+)+$/.test("a".repeat(40) + "b")`},
	{"catastrophic regex, caught", `for (;;) { try { /(a|aa)+$/.test("a".repeat(60) + "b") } catch (e) {} }`},
	{"JSON.parse of a huge text, again and again", `const s = "[" + "1,".repeat(2**20) + "1]"; for (;;) JSON.parse(s)`},
	{"JSON.stringify of a wide object, again and again", `const a = Array.from({length: 2**18}, (_, i) => i); for (;;) JSON.stringify(a)`},
	{"padStart and repeat, again and again", `for (;;) "x".padStart(2**24, "ab").repeat(1)`},
	{"String.prototype.replaceAll, again and again", `const s = "a".repeat(2**20); for (;;) s.replaceAll("a", "b")`},
	{"string indexOf, quadratic", `const s = "a".repeat(2**22), t = "a".repeat(2**21) + "b"; s.indexOf(t)`},
	{"string lastIndexOf, quadratic", `const s = "a".repeat(2**22), t = "a".repeat(2**21) + "b"; s.lastIndexOf(t)`},
	{"string includes, quadratic", `const s = "a".repeat(2**22), t = "a".repeat(2**21) + "b"; s.includes(t)`},
	{"split by a long separator, again and again", `const s = "a".repeat(2**22), t = "a".repeat(2**21) + "b"; for (;;) s.split(t)`},
	{"splice of a huge array-like", `Array.prototype.splice.call({length: 2**40}, 0, 1)`},
	{"unshift onto a huge array-like", `Array.prototype.unshift.call({length: 2**40 - 10}, 1)`},
	{"flat of a huge sparse array", `const a = []; a.length = 2**32 - 1; a.flat()`},
	{"lastIndexOf over a huge sparse array", `const a = []; a.length = 2**32 - 1; a.lastIndexOf(1)`},
	{"Object.keys of a large object, again and again", `const o = {}; for (let i = 0; i < 2**17; i++) o["k" + i] = i; for (;;) Object.keys(o)`},
	{"toUpperCase of a long string, again and again", `const s = "x".repeat(2**22); for (;;) s.toUpperCase()`},
	{"normalize of a long string, again and again", `const s = "\u00e9".repeat(2**20); for (;;) s.normalize("NFD")`},
	{"regexp replace of a long string, again and again", `const s = "ab".repeat(2**20); for (;;) s.replace(/b/g, "c")`},
	{"regexp split of a long string, again and again", `const s = "ab".repeat(2**20); for (;;) s.split(/b/)`},
	{"BigInt toString of a huge number", `(7n ** 2000000n).toString()`},
	{"BigInt multiplication, again and again", `const a = 7n ** 300000n; for (;;) a * a`},
	{"new Set of a large array, again and again", `const a = Array.from({length: 2**18}, (_, i) => i); for (;;) new Set(a)`},
	{"structured string concatenation in a rope", `let s = "x"; for (;;) s = s + s`},
	{"eval of a long source", `eval("1+".repeat(2**22) + "1")`},
	{"typed array fill and sort, again and again", `const a = new Float64Array(2**20); for (;;) a.fill(1).sort()`},
}

// TestZooEndsInTime runs each hostile script with a short time limit: the
// call must end with a limit error (or, for a script the engine now does in
// linear time, a result) within the limit plus zooSlack (100 ms; 5 s under
// the race detector), and a normal call right after must succeed. A shared
// machine can be slow for a moment, so a case gets three tries and must make
// it once; a built-in that does not stop misses every time, by seconds or
// hours.
func TestZooEndsInTime(t *testing.T) {
	const limit = 300 * time.Millisecond
	slack := zooSlack
	ok := compile(t, `export default function ok(x) { return [1, 2, 3].map((v) => v * x); }`, false)
	for _, tt := range zoo {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, "export default function bad() { "+tt.body+" }", false)
			var took []time.Duration
			for try := 0; try < 3; try++ {
				d, err := zooCall(t, p, limit, limit+slack+2*time.Second*raceSlowdown)
				if err != nil && !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrMemory) && !errors.Is(err, ErrStackOverflow) {
					t.Fatalf("err = %v, want a limit error", err)
				}
				took = append(took, d)
				if d <= limit+slack {
					t.Logf("ended after %v: %v", d, err)
					break
				}
			}
			if best := slices.Min(took); best > limit+slack {
				t.Errorf("calls took %v, want at most %v", took, limit+slack)
			}
			if got := mustCall(t, ok, "default", []any{2}, Env{}, Limits{}); got != "[2,4,6]" {
				t.Errorf("normal call after: got %s", got)
			}
		})
	}
}

// zooCall runs p with the time limit and returns how long the call took and
// its error; it fails the test if the call is still running after giveUp.
func zooCall(t *testing.T, p *Program, limit, giveUp time.Duration) (time.Duration, error) {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := p.Call(context.Background(), "default", nil, Env{}, Limits{Time: limit})
		done <- err
	}()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(giveUp):
		t.Fatalf("call still running %v after its %v limit", time.Since(start)-limit, limit)
		return 0, nil
	}
}
