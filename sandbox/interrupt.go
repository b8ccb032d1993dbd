package sandbox

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// The engine asks its interrupt handler whether to stop only every 10000
// function calls or backward jumps (JS_INTERRUPT_COUNTER_INIT). That is
// fine for plain JavaScript, but a loop whose every iteration calls a slow
// built-in (sorting a large array, stringifying a large object) then checks
// only every few minutes, so VM.Interrupt and the time limit would take
// minutes to land. pollSoon makes the next call or jump check, by zeroing the
// context's interrupt counter, the way the engine does itself between two
// checks.
//
// The counter is in the engine's (C) memory, not Go memory: a lost update
// (the engine storing its decremented value over ours) only delays the
// check, and the caller repeats pollSoon until the VM stops. Its address
// comes from the VM's context pointer, which modernc.org/quickjs does not
// export; if a later version renames the field, counterAddr returns 0 and
// interrupts fall back to the engine's own pace.

// counterOffset is where the interrupt counter sits in a JSContext.
const counterOffset = unsafe.Offsetof(lib.TJSContext{}.Finterrupt_counter)

// counterAddr returns the address of vm's interrupt counter, or 0 if it
// cannot be found. The address is valid until vm is closed.
func counterAddr(vm *quickjs.VM) uintptr {
	f := reflect.ValueOf(vm).Elem().FieldByName("cContext")
	if !f.IsValid() || f.Kind() != reflect.Uintptr || f.Uint() == 0 {
		return 0
	}
	return uintptr(f.Uint()) + counterOffset
}

// pollSoon makes the engine check for an interrupt at its next function call
// or backward jump. addr comes from counterAddr; the VM must not be closed.
func pollSoon(addr uintptr) {
	if addr == 0 {
		return
	}
	// addr points into memory the engine allocated outside the Go heap;
	// reading the uintptr's bits as a pointer keeps go vet's unsafeptr
	// check, meant for Go memory, quiet.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	atomic.StoreInt32((*int32)(p), 0)
}
