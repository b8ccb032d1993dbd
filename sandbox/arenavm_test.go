package sandbox

import (
	"strings"
	"testing"

	"modernc.org/quickjs"
)

// TestArenaVMRestore checks the vendored binding's snapshot (sandbox patch,
// internal/third_party/quickjs/snap.go) on its own: a VM set up from
// bytecode, with a host function, is snapshotted; each call pollutes it
// (globals, prototypes, built-ins, a pending promise with Go callbacks
// attached by Then, 8 MB of heap); after every Restore the arena equals the
// snapshot byte for byte, the Go functions the call registered are gone,
// and a probe sees the snapshot's values.
func TestArenaVMRestore(t *testing.T) {
	setup, err := compileTrusted(`var counter = 0; let kept = "snap"; globalThis.probe = () =>
  [typeof globalThis.left, ({}).polluted === undefined, typeof Array.prototype.push, counter, kept, JSON.stringify({a: 1})].join();`)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := quickjs.NewArenaVM(256 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if err := vm.RegisterHostFunc("host", func(args []any) (any, error) { return "go", nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.EvalBytecode(setup); err != nil {
		t.Fatal(err)
	}
	want, err := vm.Eval("probe()", quickjs.EvalGlobal)
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.Snapshot(); err != nil {
		t.Fatal(err)
	}
	funcs := goFuncsOf(vm)
	for i := range 50 {
		v, err := vm.EvalValue(`globalThis.left = host(); Object.prototype.polluted = 1;
Array.prototype.push = null; JSON.stringify = () => "x"; counter++; kept = "call";
globalThis.big = new Uint8Array(8 << 20); new Promise(() => {})`, quickjs.EvalGlobal)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		p, err := v.Then(func(quickjs.Value) {}, func(quickjs.Value) {})
		if err != nil {
			t.Fatalf("call %d: Then: %v", i, err)
		}
		p.Free()
		v.Free()
		if goFuncsOf(vm) <= funcs {
			t.Fatalf("call %d: Then registered no Go callback", i)
		}
		used := vm.Arena().Used()
		if err := vm.Restore(); err != nil {
			t.Fatalf("call %d: restore: %v", i, err)
		}
		if off := vm.Arena().Diff(used); off >= 0 {
			t.Fatalf("call %d: arena byte %d differs from the snapshot after restore", i, off)
		}
		if n := goFuncsOf(vm); n != funcs {
			t.Fatalf("call %d: %d Go functions after restore, the snapshot had %d", i, n, funcs)
		}
		got, err := vm.Eval("probe()", quickjs.EvalGlobal)
		if err != nil || got != want {
			t.Fatalf("call %d: after restore the VM sees %v (%v), want %v", i, got, err, want)
		}
		if err := vm.Restore(); err != nil { // the probe's own traces
			t.Fatal(err)
		}
	}
	if !strings.Contains(want.(string), "snap") {
		t.Fatalf("probe: %v", want)
	}
}

// goFuncsOf returns how many Go functions vm has registered.
func goFuncsOf(vm *quickjs.VM) int { return vm.GoFuncs() }
