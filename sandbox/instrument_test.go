package sandbox

import "testing"

// TestInstrumentPreservesSemantics runs code full of syntax the printer must
// get right, metered (parsed, instrumented and printed back) and unmetered
// (as written), and compares the results.
func TestInstrumentPreservesSemantics(t *testing.T) {
	const src = `
const log = [];
class Base {
	static #count = 0;
	static { Base.#count = 10; }
	#secret = 1;
	field = "f";
	static get count() { return Base.#count; }
	#priv() { return this.#secret; }
	get secret() { return this.#priv(); }
	set secret(v) { this.#secret = v; }
	*[Symbol.iterator]() { yield 1; yield 2; }
	async am() { return new.target === undefined; }
}
class Derived extends Base {
	constructor(...args) { super(...args); this.args = args; }
	toString() { return "Derived:" + super.toString(); }
}
function tag(strings, ...values) { return strings.raw.join("|") + values.join(","); }
const re = /a\/b[/]c/g, re2 = /=>/;
let x = 1
let y = x
++x
const obj = { a: 1, "b-c": 2, [("comp" + "uted")]: 3, ...{ d: 4 }, m() { return this.a; }, get g() { return 5; }, async *ag() { yield 6; } };
label: for (const k in obj) { if (k === "d") break label; log.push(k); }
outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) continue outer; if (i === 2) break outer; log.push(i * 10 + j); } }
let n = 0; do n++; while (n < 5)
while (n < 8) n++
if (n) log.push("if"); else log.push("else")
switch (n) { case 8: log.push("eight"); case 9: { log.push("fall"); break; } default: log.push("no"); }
try { null.x; } catch ({ name, message }) { log.push(name); } finally { log.push("finally"); }
try { throw 1; } catch { log.push("bare catch"); }
const arrow1 = (a) => ({ a }), arrow2 = async (a) => await a, arrow3 = () => () => 3, arrow4 = (a = 1, { b } = { b: 2 }, [c] = [3], ...rest) => a + b + c + rest.length;
const chain = obj?.missing?.deep ?? "nullish", opt = obj.m?.(), called = (0, obj.m)?.call({ a: 9 });
let z = null; z ??= 5; z ||= 6; z &&= 7;
const exp = (-2) ** 2 + 2 ** -1 + 2 ** 3 ** 2;
const big = 12_345n * 2n, num = 1_000_000, hex = 0xff, flt = .5e1;
const tmpl = ` + "`" + `a${x}b${` + "`" + `nested${y}` + "`" + `}c` + "`" + `;
const tagged = tag` + "`" + `x${1}y${2}z` + "`" + `;
const inIn = (() => { for (let q = ("a" in obj) ? 1 : 0; q < 2; q++) log.push("q" + q); return "a" in obj; })();
const fnExpr = function named(k) { return k > 0 ? named(k - 1) + 1 : 0; };
const iife = (function () { return "iife"; })();
const comma = (1, 2, 3);
const neg = - -1, pos = + +1, notnot = !!x, voided = void 0, typ = typeof undefinedVar;
const inst = new Derived(1, 2);
inst.secret = 42;
const spread = [...inst, ...new Set([3, 3, 4])];
const { a: renamed, ...others } = obj;
const [first, , third = "def"] = [1, 2];
async function* agen() { for await (const v of [Promise.resolve(1), 2]) yield v; }
function gen2() { return [...(function* () { yield* [1, 2]; })()]; }
let asi = 1
;[1, 2].forEach((v) => log.push(v))
const regexResult = "a/b/c a/b/c".replace(re, "X") + re2.test("=>");
export default async function main(input) {
	const collected = [];
	for await (const v of agen()) collected.push(v);
	for await (const v of obj.ag()) collected.push(v);
	return {
		log, x, y, n, z, exp, big: String(big), num, hex, flt, tmpl, tagged, inIn, f: fnExpr(3), iife, comma,
		neg, pos, notnot, voided, typ, chain, opt, called, count: Base.count, secret: inst.secret, field: inst.field,
		args: inst.args, str: String(inst), am: await inst.am(), spread, renamed, others: Object.keys(others), first, third,
		collected, gen2: gen2(), asi, regexResult, a1: arrow1(1), a2: await arrow2(2), a3: arrow3()(), a4: arrow4(),
		keys: Object.keys(obj), input,
	};
}
`
	want := mustCall(t, compile(t, src, false), "default", []any{"in"}, Env{}, Limits{})
	got := mustCall(t, compile(t, src, true), "default", []any{"in"}, Env{}, Limits{})
	if got != want {
		t.Errorf("metered result differs:\n got %s\nwant %s", got, want)
	}
	t.Log(want)
}
