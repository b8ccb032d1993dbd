package agenthost

import (
	"context"
	"encoding/json"
	"testing"
	"time"
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

// TestTimeOriginIsCallStart: performance.timeOrigin is when the call
// started, also when its VM was made, with the prelude run, long before
// (sandbox's VMs made ahead), and calls on such VMs stay isolated.
func TestTimeOriginIsCallStart(t *testing.T) {
	code := []byte(`export default async function main(req) {
  const seen = [performance.timeOrigin, typeof globalThis.x];
  globalThis.x = 1;
  return { status: 200, body: JSON.stringify(seen) };
}`)
	d := &DevAgent{}
	for i := range 3 {
		time.Sleep(100 * time.Millisecond) // the next VM is made and prepared meanwhile
		before := time.Now().UnixMilli()
		r, err := d.Call(context.Background(), code, "GET", "/", nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var seen []any
		if err := json.Unmarshal([]byte(r.Body), &seen); err != nil || len(seen) != 2 {
			t.Fatalf("call %d: %s %v", i, r.Body, err)
		}
		if origin, _ := seen[0].(float64); int64(origin) < before {
			t.Errorf("call %d: performance.timeOrigin is %d ms before the call started", i, before-int64(origin))
		}
		if seen[1] != "undefined" {
			t.Errorf("call %d: a global of the previous call is %v", i, seen[1])
		}
	}
}
