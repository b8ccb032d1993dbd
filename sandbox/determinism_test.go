package sandbox

import (
	"encoding/json"
	"testing"
)

const clockAndDice = `
export default function main(n) {
	const out = { now: [], dates: [], random: [], bytes: [] };
	for (let i = 0; i < n; i++) {
		out.now.push(Date.now());
		out.dates.push(new Date().toISOString());
		out.random.push(Math.random());
	}
	out.bytes = Array.from(crypto.getRandomValues(new Uint8Array(8)));
	out.uuid = crypto.randomUUID();
	return out;
}
`

func TestDeterministicClockAndRandom(t *testing.T) {
	p := compile(t, clockAndDice, true)
	a := mustCall(t, p, "default", []any{100}, Env{Deterministic: fixed}, Limits{})
	b := mustCall(t, p, "default", []any{100}, Env{Deterministic: fixed}, Limits{})
	if a != b {
		t.Fatalf("two calls with the same Determinism differ:\n%s\n%s", a, b)
	}
	var out struct {
		Now    []int64
		Dates  []string
		Random []float64
		Bytes  []int
		UUID   string
	}
	if err := json.Unmarshal([]byte(a), &out); err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	for i := range out.Now {
		if out.Now[i] != fixed.TimeMillis || out.Dates[i] != "2023-11-14T22:13:20.000Z" {
			t.Fatalf("clock moved: %d %s", out.Now[i], out.Dates[i])
		}
		r := out.Random[i]
		if r < 0 || r >= 1 || seen[r] {
			t.Fatalf("bad random value %v", r)
		}
		seen[r] = true
	}
	other := *fixed
	other.Seed[0]++
	c := mustCall(t, p, "default", []any{100}, Env{Deterministic: &other}, Limits{})
	if c == a {
		t.Error("a different seed gives the same numbers")
	}
	// Real randomness without Determinism.
	r1 := mustCall(t, p, "default", []any{3}, Env{}, Limits{})
	r2 := mustCall(t, p, "default", []any{3}, Env{}, Limits{})
	if r1 == r2 {
		t.Error("two non-deterministic calls are equal")
	}
}

// TestRandomGolden pins the sequence: it must be the same on every machine
// and in every future version, or replicas of a contract would diverge.
func TestRandomGolden(t *testing.T) {
	p := compile(t, `export default () => [Math.random(), Math.random(), Array.from(crypto.getRandomValues(new Uint8Array(4)))];`, true)
	got := mustCall(t, p, "default", nil, Env{Deterministic: &Determinism{}}, Limits{})
	const want = `[0.6739839571077884,0.4210076198489837,[98,141,130,207]]`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDeterministicDate(t *testing.T) {
	t.Setenv("TZ", "America/New_York") // the host's zone must not show
	p := compile(t, `export default function () {
	const d = new Date(2020, 0, 2, 3, 4, 5, 6);
	return [
		Date(), String(new Date()), new Date().getTimezoneOffset(),
		d.getTime(), d.getHours(), d.getDate(), d.getDay(), d.getYear(), d.toString(), d.toDateString(), d.toTimeString(),
		d.toLocaleString(), d.toLocaleDateString(), d.toLocaleTimeString(),
		new Date("2020-01-02T03:04:05").getTime(), Date.parse("2020-01-02T03:04:05+01:00"), Date.parse("2020-01-02"),
		Date.parse("Jan 2 2020 03:04:05"), Date.UTC(2020, 0, 2), new Date(NaN).toString(), typeof Date.now(),
		new Date(new Date(5)).getTime(), new Date(0) instanceof Date, Object.getPrototypeOf(new Date(0)).constructor === Date,
		(() => { const x = new Date(0); x.setHours(5); return x.toISOString(); })(),
	];
}`, false)
	got := mustCall(t, p, "default", nil, Env{Deterministic: fixed}, Limits{})
	const want = `["Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)","Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)",0,` +
		`1577934245006,3,2,4,120,"Thu Jan 02 2020 03:04:05 GMT+0000 (Coordinated Universal Time)","Thu Jan 02 2020","03:04:05 GMT+0000 (Coordinated Universal Time)",` +
		`"01/02/2020, 03:04:05 AM","01/02/2020","03:04:05 AM",` +
		`1577934245000,1577930645000,1577923200000,1577934245000,1577923200000,"Invalid Date","number",5,true,true,"1970-01-01T05:00:00.000Z"]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestGasDeterministic(t *testing.T) {
	p := compile(t, `
class Counter {
	#n = 0;
	get n() { return this.#n; }
	add(k) { this.#n += k; return this; }
}
const sq = (x) => x * x;
function* gen(n) { for (let i = 0; i < n; i++) yield i; }
export default async function main(req) {
	const c = new Counter();
	for (const i of gen(req.n)) c.add(sq(i));
	let j = 0;
	while (j < req.n) j++;
	do { j--; } while (j > 0);
	const words = Object.keys({ a: 1, b: 2, c: 3 }).map((k) => k.toUpperCase());
	try { JSON.parse("{"); } catch (e) { words.push(e.name); }
	await Promise.all([1, 2, 3].map(async (x) => x));
	return { sum: c.n, words, sorted: [3, 1, 2].sort((x, y) => x - y) };
}`, true)
	gas := func(n int) (uint64, string) {
		res, err := run(t, p, "default", []any{map[string]any{"n": n}}, Env{Deterministic: fixed}, Limits{Gas: 1e9})
		if err != nil {
			t.Fatal(err)
		}
		return res.GasUsed, string(res.Value)
	}
	g1, v1 := gas(10)
	g2, v2 := gas(10)
	if g1 != g2 || v1 != v2 || g1 == 0 {
		t.Fatalf("same call, different outcome: %d %s / %d %s", g1, v1, g2, v2)
	}
	if v1 != `{"sum":285,"words":["A","B","C","SyntaxError"],"sorted":[1,2,3]}` {
		t.Errorf("value %s", v1)
	}
	// Gas grows linearly with the work: each iteration costs the same.
	g100, _ := gas(100)
	g1000, _ := gas(1000)
	if g100 <= g1 || g1000 <= g100 || (g1000-g100) != 10*(g100-g1) {
		t.Errorf("gas for n=10, 100, 1000: %d %d %d", g1, g100, g1000)
	}
	// Exactly at the limit passes, one below runs out (in the same
	// environment: the built-ins' work depends on what it installs).
	if _, err := run(t, p, "default", []any{map[string]any{"n": 10}}, Env{Deterministic: fixed}, Limits{Gas: g1}); err != nil {
		t.Errorf("with exactly %d gas: %v", g1, err)
	}
	res, err := run(t, p, "default", []any{map[string]any{"n": 10}}, Env{Deterministic: fixed}, Limits{Gas: g1 - 1})
	if err == nil || res.GasUsed != g1-1 {
		t.Errorf("with %d gas: %v, used %d", g1-1, err, res.GasUsed)
	}
}
