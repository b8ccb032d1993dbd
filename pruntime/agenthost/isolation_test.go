package agenthost

import (
	"context"
	"testing"
)

// TestCallsIsolated: one call of an agent leaves nothing for the next but
// kv, however the VMs behind the calls are prepared (the web platform's
// parts loaded on first touch included). The first call of each pair
// pollutes what it can reach: a global, Object.prototype, the prototype
// of a lazily loaded class, a replaced fetch and crypto.subtle, a frozen
// global object; the second reports what it sees.
func TestCallsIsolated(t *testing.T) {
	code := []byte(`export default async function main(req) {
  if (req.path === "/pollute") {
    kv.set("k", "kept");
    globalThis.x = "left over";
    Object.prototype.polluted = "yes";
    Array.prototype.push = () => "hijacked";
    URL.prototype.toString = () => "hijacked";
    globalThis.fetch = () => "hijacked";
    Object.defineProperty(crypto, "subtle", { value: "hijacked" });
    JSON.stringify = () => "hijacked";
    Object.freeze(globalThis);
    return { status: 200, body: "polluted" };
  }
  const a = [];
  a.push(1);
  const seen = [typeof globalThis.x, ({}).polluted === undefined, a.length, String(new URL("https://a.example/")),
    typeof fetch === "function" && fetch.toString() !== (() => "hijacked").toString(), typeof crypto.subtle.digest,
    Object.isFrozen(globalThis), kv.get("k")];
  return { status: 200, body: JSON.stringify(seen) };
}`)
	d := &DevAgent{}
	const want = `["undefined",true,1,"https://a.example/",true,"function",false,"kept"]`
	for i := range 3 {
		if r, err := d.Call(context.Background(), code, "GET", "/pollute", nil, nil, nil); err != nil || r.Body != "polluted" {
			t.Fatalf("round %d: polluting call: %v %+v", i, err, r)
		}
		r, err := d.Call(context.Background(), code, "GET", "/look", nil, nil, nil)
		if err != nil {
			t.Fatalf("round %d: looking call: %v", i, err)
		}
		if r.Body != want {
			t.Fatalf("round %d: the next call saw %s, want %s", i, r.Body, want)
		}
	}
}
