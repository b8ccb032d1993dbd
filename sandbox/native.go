package sandbox

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// Work inside built-ins. The engine is patched (internal/third_party/
// libquickjs, see its README.md) so that its native loops count "steps" of
// work into an lib.SbxMeter and call the interrupt handler every few
// thousand steps. The call puts its own handler in front of the one
// modernc.org/quickjs installs: it bills the steps of a metered program as
// gas through the call's Meter, and stops the script when that runs out;
// then it asks the original handler, which stops the script on
// VM.Interrupt or when the time limit is up. So no built-in, however much
// it loops, holds the VM past the limits for more than a poll interval.

// stepsPerGas is how many steps of native work cost one gas: about what one
// instrumented tick of JavaScript costs.
const stepsPerGas = 32

// stepTime is about how long a step takes on a busy x86 core. An
// unmetered call whose next built-in was billed more work than the time it
// has left, at this pace, ends at once instead of when the time is up, since
// the engine cannot stop that built-in half way (a multiplication of huge
// BigInts, a normalization of a long string).
const stepTime = 2 * time.Nanosecond

// minForesee is the least work worth stopping a call for ahead of time.
const minForesee = 10 * time.Millisecond

// handlerFunc is the engine's interrupt handler type.
type handlerFunc = func(tls *libc.TLS, rt, opaque uintptr) int32

// native is a call's side of the engine's work account.
type native struct {
	meter    lib.SbxMeter // the steps, counted by the engine
	rt       uintptr      // the VM's JSRuntime, 0 if it cannot be found
	orig     uintptr      // modernc.org/quickjs's interrupt handler
	handler  handlerFunc  // ours, kept here so the engine's pointer to it stays valid
	billing  bool         // steps count as gas (metered program, module loaded)
	counting bool         // billing and not paused
	mark     int64        // steps when counting last resumed
	billable int64        // steps counted before that
	charged  int64        // gas charged for steps so far
	polled   int64        // steps at the last poll
}

// runtimeOf returns vm's JSRuntime pointer, or 0 if it cannot be found.
func runtimeOf(vm *quickjs.VM) uintptr {
	f := reflect.ValueOf(vm).Elem().FieldByName("cContext")
	if !f.IsValid() || f.Kind() != reflect.Uintptr || f.Uint() == 0 {
		return 0
	}
	ctx := uintptr(f.Uint())
	return (*lib.TJSContext)(cPointer(ctx)).Frt
}

// cPointer turns the address of engine memory, allocated outside the Go
// heap, into a pointer; reading the uintptr's bits keeps go vet's unsafeptr
// check, meant for Go memory, quiet.
func cPointer(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

// attachNative attaches the call's work account to its VM and puts the
// call's interrupt handler in front of the VM's. Without the runtime (a
// later modernc.org/quickjs that renamed the field) built-ins are neither
// billed nor stopped early, as before the patch.
func (c *call) attachNative() {
	rt := runtimeOf(c.vm)
	if rt == 0 {
		return
	}
	n := &c.native
	n.rt = rt
	r := (*lib.TJSRuntime)(cPointer(rt))
	n.orig = r.Finterrupt_handler
	n.handler = c.interruptHandler
	lib.SbxSetMeter(rt, &n.meter)
	r.Finterrupt_handler = funcPointer(n.handler)
}

// detachNative undoes attachNative before the VM is freed.
func (c *call) detachNative() {
	n := &c.native
	if n.rt == 0 {
		return
	}
	lib.SbxSetMeter(n.rt, nil)
	(*lib.TJSRuntime)(cPointer(n.rt)).Finterrupt_handler = n.orig
	n.rt = 0
}

// funcPointer returns the engine's form of a Go function pointer: the
// function value's word, as modernc.org/quickjs passes its own handler.
func funcPointer(f handlerFunc) uintptr {
	return *(*uintptr)(unsafe.Pointer(&f))
}

// interruptHandler runs on the VM's goroutine whenever the engine polls:
// it bills the native work and returns non-zero to stop the script.
func (c *call) interruptHandler(tls *libc.TLS, rt, opaque uintptr) int32 {
	if !c.billNative() || !c.foresee() {
		return 1
	}
	orig := c.native.orig
	if orig == 0 {
		return 0
	}
	return (*(*handlerFunc)(unsafe.Pointer(&orig)))(tls, rt, opaque)
}

// foresee ends an unmetered call whose work since the last poll, charged
// ahead by a built-in about to run, cannot fit in the time it has left; it
// reports false when it did. A metered call is left to its gas, so that the
// wall clock never decides a contract's result before its time is up.
func (c *call) foresee() bool {
	n := &c.native
	delta := n.meter.Steps - n.polled
	n.polled = n.meter.Steps
	if c.prog.metered || delta <= 0 {
		return true
	}
	need := time.Duration(min(delta, int64(1<<62)/int64(stepTime))) * stepTime
	if need < minForesee {
		return true
	}
	if left := time.Until(c.deadline); need > left {
		c.fail(fmt.Errorf("%w (%v): a built-in would need about %v more, %v is left", ErrTimeout, c.lim.Time, need.Round(time.Millisecond), left.Round(time.Millisecond)))
		return false
	}
	return true
}

// startBilling makes the native work from now on count as gas, for a
// metered program; the bootstrap and the prelude are not billed.
func (c *call) startBilling() {
	n := &c.native
	n.billing = c.prog.metered && n.rt != 0
	n.mark, n.billable, n.charged = n.meter.Steps, 0, 0
	n.counting = n.billing
}

// pauseBilling stops counting native work as gas while the host does its
// own (looking up the export, parsing the arguments, serializing the
// result), keeping what was counted so far.
func (c *call) pauseBilling() {
	n := &c.native
	if n.counting {
		n.billable += n.meter.Steps - n.mark
		n.counting = false
	}
}

// resumeBilling counts native work as gas again after pauseBilling.
func (c *call) resumeBilling() {
	n := &c.native
	if n.billing && !n.counting {
		n.mark, n.counting = n.meter.Steps, true
	}
}

// freeSteps is the native work a call does for free: the fixed work of
// evaluating the module and of small conversions around host calls (a few
// thousand steps each), which would otherwise make every call and every
// host call cost a hundred gas or so; heavy work pays from there.
const freeSteps = 1 << 15

// billableSteps returns the native work counted as gas so far.
func (c *call) billableSteps() int64 {
	n := &c.native
	steps := n.billable
	if n.counting {
		steps += n.meter.Steps - n.mark
	}
	return max(steps-freeSteps, 0)
}

// billNative charges the gas of the native work not charged yet; it
// reports false when that ran the call out of gas.
func (c *call) billNative() bool {
	n := &c.native
	if !n.billing {
		return true
	}
	gas := c.billableSteps()/stepsPerGas - n.charged
	if gas <= 0 {
		return true
	}
	n.charged += gas
	return c.meter.Charge(uint64(gas)) == nil
}

// settleNative bills the native work left unbilled when the script has
// settled and takes every pending charge from the script's gas counter, so
// that a call whose built-ins used more than its gas ends out of gas
// whether or not a poll happened to come after the last of that work.
func (c *call) settleNative() error {
	ok := c.billNative()
	c.pauseBilling() // serializing the result is the host's work
	if !ok {
		return c.verdict()
	}
	if err := c.applyCharges(); err != nil {
		return c.classify(err)
	}
	if v := c.verdict(); v != nil {
		return v
	}
	return nil
}
