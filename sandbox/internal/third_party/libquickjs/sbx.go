// Copyright 2026 The phala Authors. All rights reserved.
// Use of this source code is governed by the BSD-style license in LICENSE.

package libquickjs // import "modernc.org/libquickjs"

// This file is the sandbox's patch to the engine (see README.md). Upstream
// QuickJS asks its interrupt handler whether to stop only at JavaScript
// function calls and backward jumps, so a built-in that loops natively (over
// a huge array-like, a long string, a JSON text, a sort) runs to its end
// however long that takes, and it does that work for free as far as gas is
// concerned. Each function wrapped here does "steps" of native work: it adds
// them to the runtime's SbxMeter, if one is attached, and takes them off the
// context's interrupt counter, so that the interrupt handler runs at least
// every few thousand steps (and at once for a large charge) and can both
// stop the script and bill the work. A step is roughly a nanosecond of work
// on a current x86 core: reading an element of an array-like through the
// property API costs 32, a character appended to a string 1.
//
// _patch/patch.sh renames each upstream function listed in a "wraps:" line
// to NAME_unmetered; the wrapper keeps the upstream name, so that every
// caller, the built-in function tables included, goes through it.

import (
	"math/bits"
	"unsafe"

	"modernc.org/libc"
)

// Step weights of the wrapped operations, set so that a gas of native work
// (stepsPerGas steps in the sandbox) takes about as long as a gas of
// JavaScript (see docs/sandbox.md for the measurements).
const (
	sbxPropStep      = 32     // an element read, written or deleted through the property API
	sbxAtomStep      = 256    // the same past index 2**31-1, which makes and frees an atom
	sbxStringStep    = 16     // a string made or appended (plus a step per character)
	sbxTokenStep     = 64     // a token of JSON or JavaScript
	sbxCompareStep   = 64     // a comparison of the generic sort
	sbxRegexpStep    = 150000 // the regexp engine's poll interval, 10000 backtracking steps
	sbxScanStep      = 2      // an element compared by a fast-array or typed-array search
	sbxFillStep      = 1      // an element stored by a typed-array fill
	sbxSortStep      = 8      // n log n of a typed-array sort without comparator
	sbxNormalizeStep = 256    // a character normalized (through UTF-32 buffers, decomposed and recomposed)
	sbxAllocStep     = 48     // an allocation: an object, a string, a buffer...
	sbxAllocShift    = 3      // ...plus 1/8 step per byte
)

// SbxMeter is the account of native work of one runtime, attached with
// SbxSetMeter. Steps only grows; its owner reads it from the interrupt
// handler, on the runtime's goroutine.
type SbxMeter struct {
	Steps int64 // native work so far
}

// SbxSetMeter attaches m to runtime rt, replacing any meter; nil detaches.
// m is Go memory recorded in the runtime's user opaque pointer: the caller
// must keep it reachable until it detaches it or frees the runtime.
func SbxSetMeter(rt uintptr, m *SbxMeter) {
	(*TJSRuntime)(unsafe.Pointer(rt)).Fuser_opaque = uintptr(unsafe.Pointer(m))
}

// sbxMeter returns the meter attached to rt, or nil.
func sbxMeter(rt uintptr) *SbxMeter {
	return (*SbxMeter)(unsafe.Pointer((*TJSRuntime)(unsafe.Pointer(rt)).Fuser_opaque))
}

// sbxStep records n steps of native work done in ctx and polls the interrupt
// handler when the work since the last poll reaches the engine's poll
// interval. It returns non-zero, with an uncatchable exception pending, when
// the handler asks to stop.
func sbxStep(tls *libc.TLS, ctx uintptr, n int64) int32 {
	c := (*TJSContext)(unsafe.Pointer(ctx))
	if m := sbxMeter(c.Frt); m != nil {
		m.Steps += n
	}
	// One unit of the interrupt counter is a JavaScript call or jump,
	// some tens of steps; a charge of at least one keeps cheap steps counted.
	left := int64(c.Finterrupt_counter) - max(n>>5, 1)
	if left > 0 {
		c.Finterrupt_counter = int32(left)
		return 0
	}
	return ___js_poll_interrupts(tls, ctx)
}

// sbxException is the JSValue a failed built-in returns.
var sbxException = TJSValue{Ftag: int64(EJS_TAG_EXCEPTION)}

// sbxIndexStep is the cost of an element access at index idx.
func sbxIndexStep(idx Tint64_t) int64 {
	if uint64(idx) > 1<<31-1 {
		return sbxAtomStep
	}
	return sbxPropStep
}

// wraps: _JS_TryGetPropertyInt64
func _JS_TryGetPropertyInt64(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tint64_t, pval uintptr) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(idx)) != 0 {
		*(*TJSValue)(unsafe.Pointer(pval)) = TJSValue{Ftag: int64(EJS_TAG_UNDEFINED)}
		return -1
	}
	return _JS_TryGetPropertyInt64_unmetered(tls, ctx, obj, idx, pval)
}

// wraps: _JS_GetPropertyInt64
func _JS_GetPropertyInt64(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tint64_t) TJSValue {
	if sbxStep(tls, ctx, sbxIndexStep(idx)) != 0 {
		return sbxException
	}
	return _JS_GetPropertyInt64_unmetered(tls, ctx, obj, idx)
}

// wraps: XJS_SetPropertyInt64
func XJS_SetPropertyInt64(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tint64_t, val TJSValue) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(idx)) != 0 {
		XFreeValue(tls, ctx, val) // the setter owns val
		return -1
	}
	return XJS_SetPropertyInt64_unmetered(tls, ctx, obj, idx, val)
}

// wraps: XJS_DeletePropertyInt64
func XJS_DeletePropertyInt64(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tint64_t, flags int32) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(idx)) != 0 {
		return -1
	}
	return XJS_DeletePropertyInt64_unmetered(tls, ctx, obj, idx, flags)
}

// wraps: XJS_GetPropertyUint32
func XJS_GetPropertyUint32(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tuint32_t) TJSValue {
	if sbxStep(tls, ctx, sbxIndexStep(Tint64_t(idx))) != 0 {
		return sbxException
	}
	return XJS_GetPropertyUint32_unmetered(tls, ctx, obj, idx)
}

// wraps: XJS_SetPropertyUint32
func XJS_SetPropertyUint32(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tuint32_t, val TJSValue) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(Tint64_t(idx))) != 0 {
		XFreeValue(tls, ctx, val)
		return -1
	}
	return XJS_SetPropertyUint32_unmetered(tls, ctx, obj, idx, val)
}

// wraps: XJS_DefinePropertyValueUint32
func XJS_DefinePropertyValueUint32(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tuint32_t, val TJSValue, flags int32) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(Tint64_t(idx))) != 0 {
		XFreeValue(tls, ctx, val)
		return -1
	}
	return XJS_DefinePropertyValueUint32_unmetered(tls, ctx, obj, idx, val, flags)
}

// wraps: _JS_CreateDataPropertyUint32
func _JS_CreateDataPropertyUint32(tls *libc.TLS, ctx uintptr, obj TJSValue, idx Tint64_t, val TJSValue, flags int32) int32 {
	if sbxStep(tls, ctx, sbxIndexStep(idx)) != 0 {
		XFreeValue(tls, ctx, val)
		return -1
	}
	return _JS_CreateDataPropertyUint32_unmetered(tls, ctx, obj, idx, val, flags)
}

// wraps: _js_sub_string
func _js_sub_string(tls *libc.TLS, ctx uintptr, p uintptr, start int32, end int32) TJSValue {
	if sbxStep(tls, ctx, sbxStringStep+int64(max(end-start, 0))) != 0 {
		return sbxException
	}
	return _js_sub_string_unmetered(tls, ctx, p, start, end)
}

// wraps: _js_new_string8_len
func _js_new_string8_len(tls *libc.TLS, ctx uintptr, buf uintptr, n int32) TJSValue {
	if sbxStep(tls, ctx, sbxStringStep+int64(max(n, 0))) != 0 {
		return sbxException
	}
	return _js_new_string8_len_unmetered(tls, ctx, buf, n)
}

// wraps: _js_new_string16_len
func _js_new_string16_len(tls *libc.TLS, ctx uintptr, buf uintptr, n int32) TJSValue {
	if sbxStep(tls, ctx, sbxStringStep+int64(max(n, 0))) != 0 {
		return sbxException
	}
	return _js_new_string16_len_unmetered(tls, ctx, buf, n)
}

// sbxBufferStep charges n steps to the context of StringBuffer s; on a stop
// it marks the buffer failed, as a failed allocation would, because some
// callers only look at the buffer's status when they finish it.
func sbxBufferStep(tls *libc.TLS, s uintptr, n int64) int32 {
	if sbxStep(tls, (*TStringBuffer)(unsafe.Pointer(s)).Fctx, n) != 0 {
		_string_buffer_set_error(tls, s)
		return -1
	}
	return 0
}

// wraps: _string_buffer_putc8
func _string_buffer_putc8(tls *libc.TLS, s uintptr, c Tuint32_t) int32 {
	if sbxBufferStep(tls, s, 1) != 0 {
		return -1
	}
	return _string_buffer_putc8_unmetered(tls, s, c)
}

// wraps: _string_buffer_putc16
func _string_buffer_putc16(tls *libc.TLS, s uintptr, c Tuint32_t) int32 {
	if sbxBufferStep(tls, s, 1) != 0 {
		return -1
	}
	return _string_buffer_putc16_unmetered(tls, s, c)
}

// wraps: _string_buffer_write8
func _string_buffer_write8(tls *libc.TLS, s uintptr, p uintptr, n int32) int32 {
	if sbxBufferStep(tls, s, 1+int64(max(n, 0))) != 0 {
		return -1
	}
	return _string_buffer_write8_unmetered(tls, s, p, n)
}

// wraps: _string_buffer_write16
func _string_buffer_write16(tls *libc.TLS, s uintptr, p uintptr, n int32) int32 {
	if sbxBufferStep(tls, s, 1+int64(max(n, 0))) != 0 {
		return -1
	}
	return _string_buffer_write16_unmetered(tls, s, p, n)
}

// wraps: _string_buffer_concat
func _string_buffer_concat(tls *libc.TLS, s uintptr, p uintptr, from Tuint32_t, to Tuint32_t) int32 {
	if sbxBufferStep(tls, s, sbxStringStep+int64(to)-int64(min(from, to))) != 0 {
		return -1
	}
	return _string_buffer_concat_unmetered(tls, s, p, from, to)
}

// wraps: _string_buffer_fill
func _string_buffer_fill(tls *libc.TLS, s uintptr, c int32, count int32) int32 {
	if sbxBufferStep(tls, s, 1+int64(max(count, 0))) != 0 {
		return -1
	}
	return _string_buffer_fill_unmetered(tls, s, c, count)
}

// wraps: _json_next_token
func _json_next_token(tls *libc.TLS, s uintptr) int32 {
	if sbxStep(tls, (*TJSParseState)(unsafe.Pointer(s)).Fctx, sbxTokenStep) != 0 {
		return -1
	}
	return _json_next_token_unmetered(tls, s)
}

// wraps: _js_array_cmp_generic
func _js_array_cmp_generic(tls *libc.TLS, a uintptr, b uintptr, opaque uintptr) int32 {
	psc := (*Tarray_sort_context)(unsafe.Pointer(opaque))
	if psc.Fexception == 0 && sbxStep(tls, psc.Fctx, sbxCompareStep) != 0 {
		psc.Fexception = 1 // the sort ends and throws what is pending
		return 0
	}
	return _js_array_cmp_generic_unmetered(tls, a, b, opaque)
}

// wraps: _js_TA_cmp_generic
func _js_TA_cmp_generic(tls *libc.TLS, a uintptr, b uintptr, opaque uintptr) int32 {
	psc := (*TTA_sort_context)(unsafe.Pointer(opaque))
	if psc.Fexception == 0 && sbxStep(tls, psc.Fctx, sbxCompareStep) != 0 {
		psc.Fexception = 1
		return 0
	}
	return _js_TA_cmp_generic_unmetered(tls, a, b, opaque)
}

// wraps: Xlre_check_timeout
func Xlre_check_timeout(tls *libc.TLS, opaque uintptr) int32 {
	// The regexp engine calls this every 10000 backtracking steps, with its
	// context as opaque; it polls the handler itself.
	if m := sbxMeter((*TJSContext)(unsafe.Pointer(opaque)).Frt); m != nil {
		m.Steps += sbxRegexpStep
	}
	return Xlre_check_timeout_unmetered(tls, opaque)
}

// sbxFastArrayStep charges a search through this, if it is a fast array,
// before the search runs without polling.
func sbxFastArrayStep(tls *libc.TLS, ctx uintptr, this TJSValue) int32 {
	bp := tls.Alloc(16)
	defer tls.Free(16)
	if _js_get_fast_array(tls, ctx, this, bp, bp+8) == 0 {
		return 0
	}
	return sbxStep(tls, ctx, 1+sbxScanStep*int64(*(*uint32)(unsafe.Pointer(bp + 8))))
}

// wraps: _js_array_includes
func _js_array_includes(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	if sbxFastArrayStep(tls, ctx, this) != 0 {
		return sbxException
	}
	return _js_array_includes_unmetered(tls, ctx, this, argc, argv)
}

// wraps: _js_array_indexOf
func _js_array_indexOf(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	if sbxFastArrayStep(tls, ctx, this) != 0 {
		return sbxException
	}
	return _js_array_indexOf_unmetered(tls, ctx, this, argc, argv)
}

// wraps: _js_array_lastIndexOf
func _js_array_lastIndexOf(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	if sbxFastArrayStep(tls, ctx, this) != 0 {
		return sbxException
	}
	return _js_array_lastIndexOf_unmetered(tls, ctx, this, argc, argv)
}

// sbxTypedArrayStep charges per element of typed array this, and 0 if it is
// not one (the built-in then throws its own TypeError).
func sbxTypedArrayStep(tls *libc.TLS, ctx uintptr, this TJSValue, per func(n int64) int64) int32 {
	n := _js_typed_array_get_length_unsafe(tls, ctx, this)
	if n < 0 {
		return -1
	}
	return sbxStep(tls, ctx, 1+per(int64(n)))
}

// wraps: _js_typed_array_fill
func _js_typed_array_fill(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	if sbxTypedArrayStep(tls, ctx, this, func(n int64) int64 { return sbxFillStep * n }) != 0 {
		return sbxException
	}
	return _js_typed_array_fill_unmetered(tls, ctx, this, argc, argv)
}

// wraps: _js_typed_array_indexOf
func _js_typed_array_indexOf(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr, special int32) TJSValue {
	if sbxTypedArrayStep(tls, ctx, this, func(n int64) int64 { return sbxScanStep * n }) != 0 {
		return sbxException
	}
	return _js_typed_array_indexOf_unmetered(tls, ctx, this, argc, argv, special)
}

// wraps: _js_typed_array_sort
func _js_typed_array_sort(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	nlogn := func(n int64) int64 { return sbxSortStep * n * int64(bits.Len64(uint64(n))) }
	if sbxTypedArrayStep(tls, ctx, this, nlogn) != 0 {
		return sbxException
	}
	return _js_typed_array_sort_unmetered(tls, ctx, this, argc, argv)
}

// sbxAlloc counts the steps of an allocation: making the object or string
// and filling it. It does not poll (the allocator has no context); the next
// poll bills it.
func sbxAlloc(rt uintptr, size Tsize_t) {
	if m := sbxMeter(rt); m != nil {
		m.Steps += sbxAllocStep + int64(size>>sbxAllocShift)
	}
}

// wraps: Xjs_malloc_rt
func Xjs_malloc_rt(tls *libc.TLS, rt uintptr, size Tsize_t) uintptr {
	sbxAlloc(rt, size)
	return Xjs_malloc_rt_unmetered(tls, rt, size)
}

// wraps: Xjs_realloc_rt
func Xjs_realloc_rt(tls *libc.TLS, rt uintptr, ptr uintptr, size Tsize_t) uintptr {
	sbxAlloc(rt, size)
	return Xjs_realloc_rt_unmetered(tls, rt, ptr, size)
}

// sbxCount records n steps of native work without polling: for functions
// that cannot fail, the next poll, at most a poll interval later, bills the
// steps and stops the script if it must.
func sbxCount(ctx uintptr, n int64) {
	c := (*TJSContext)(unsafe.Pointer(ctx))
	if m := sbxMeter(c.Frt); m != nil {
		m.Steps += n
	}
	c.Finterrupt_counter = int32(max(int64(c.Finterrupt_counter)-n>>5, 1))
}

// wraps: _string_buffer_putc
func _string_buffer_putc(tls *libc.TLS, s uintptr, c Tuint32_t) int32 {
	if sbxBufferStep(tls, s, 1) != 0 {
		return -1
	}
	return _string_buffer_putc_unmetered(tls, s, c)
}

// wraps: _next_token
func _next_token(tls *libc.TLS, s uintptr) int32 {
	if sbxStep(tls, (*TJSParseState)(unsafe.Pointer(s)).Fctx, sbxTokenStep) != 0 {
		return -1
	}
	return _next_token_unmetered(tls, s)
}

// sbxStringLen returns the length of v if it is a flat string, else 0.
func sbxStringLen(v TJSValue) int64 {
	if v.Ftag != int64(EJS_TAG_STRING) {
		return 0
	}
	return int64(sbxString(*(*uintptr)(unsafe.Pointer(&v.Fu))).n)
}

// wraps: _js_string_normalize
func _js_string_normalize(tls *libc.TLS, ctx uintptr, this TJSValue, argc int32, argv uintptr) TJSValue {
	if sbxStep(tls, ctx, 1+sbxNormalizeStep*sbxStringLen(this)) != 0 {
		return sbxException
	}
	return _js_string_normalize_unmetered(tls, ctx, this, argc, argv)
}

// sbxLimbs returns the number of limbs of the JSBigInt at p.
func sbxLimbs(p uintptr) int64 {
	return int64((*TJSBigInt)(unsafe.Pointer(p)).Flen1)
}

// wraps: _js_bigint_mul
func _js_bigint_mul(tls *libc.TLS, ctx uintptr, a uintptr, b uintptr) uintptr {
	// Schoolbook multiplication: a limb product per pair of limbs.
	if sbxStep(tls, ctx, 1+sbxLimbs(a)*sbxLimbs(b)) != 0 {
		return 0
	}
	return _js_bigint_mul_unmetered(tls, ctx, a, b)
}

// wraps: _js_bigint_divrem
func _js_bigint_divrem(tls *libc.TLS, ctx uintptr, a uintptr, b uintptr, isRem TBOOL) uintptr {
	if sbxStep(tls, ctx, 1+sbxLimbs(a)*sbxLimbs(b)) != 0 {
		return 0
	}
	return _js_bigint_divrem_unmetered(tls, ctx, a, b, isRem)
}

// wraps: _js_bigint_to_string1
func _js_bigint_to_string1(tls *libc.TLS, ctx uintptr, val TJSValue, radix int32) TJSValue {
	if val.Ftag == int64(EJS_TAG_BIG_INT) {
		// Quadratic: each digit group divides what is left.
		n := sbxLimbs(*(*uintptr)(unsafe.Pointer(&val.Fu)))
		if sbxStep(tls, ctx, 1+n*n) != 0 {
			return sbxException
		}
	}
	return _js_bigint_to_string1_unmetered(tls, ctx, val, radix)
}

// sbxStr is a view of a JSString's characters.
type sbxStr struct {
	n    int     // length
	wide bool    // 16-bit characters
	data uintptr // the characters
}

// sbxString reads the JSString at p: its first word holds the length in 31
// bits and the width in the top bit, the characters start at byte 12.
func sbxString(p uintptr) sbxStr {
	w := *(*uint32)(unsafe.Pointer(p))
	return sbxStr{n: int(w & 0x7fffffff), wide: w&0x80000000 != 0, data: p + 12}
}

// at returns character i of s.
func (s sbxStr) at(i int) int32 {
	if s.wide {
		return int32(*(*uint16)(unsafe.Pointer(s.data + uintptr(i)*2)))
	}
	return int32(*(*uint8)(unsafe.Pointer(s.data + uintptr(i))))
}

// sbxStringCmp compares n characters of p1 at x1 with the start of p2, as
// string_cmp does, and bills one step per character compared. It replaces
// the comparison in the search loops of String.prototype.indexOf,
// lastIndexOf and includes, which compare at every position and so are
// quadratic; stop is non-zero when the script must stop.
func sbxStringCmp(tls *libc.TLS, ctx uintptr, p1, p2 uintptr, x1, n int32) (cmp int32, stop int32) {
	a, b := sbxString(p1), sbxString(p2)
	i := 0
	for ; i < int(n); i++ {
		if c1, c2 := a.at(int(x1)+i), b.at(i); c1 != c2 {
			cmp = c1 - c2
			break
		}
	}
	return cmp, sbxStep(tls, ctx, 1+int64(i))
}

// sbxShortNeedle is the longest searched string for which the engine's own
// search, quadratic in the worst case, is kept.
const sbxShortNeedle = 32

// _sbx_string_indexof replaces string_indexof in split and replace: a
// search for a long string runs in linear time (Knuth-Morris-Pratt), so
// that it needs no poll, and its steps are counted for the next one.
func _sbx_string_indexof(tls *libc.TLS, ctx uintptr, p1, p2 uintptr, from int32) int32 {
	h, nd := sbxString(p1), sbxString(p2)
	if nd.n <= sbxShortNeedle {
		r := _string_indexof(tls, p1, p2, from)
		end := h.n
		if r >= 0 {
			end = int(r) + nd.n
		}
		sbxCount(ctx, 1+int64(end-int(from))*int64(max(nd.n, 1)))
		return r
	}
	r, scanned := sbxKMP(h, nd, int(from))
	sbxCount(ctx, 1+int64(scanned)+2*int64(nd.n))
	return int32(r)
}

// sbxKMP returns the first index at or after from where nd occurs in h, or
// -1, and how many characters of h it read.
func sbxKMP(h, nd sbxStr, from int) (int, int) {
	fail := make([]int32, nd.n)
	for i, k := 1, int32(0); i < nd.n; i++ {
		for k > 0 && nd.at(i) != nd.at(int(k)) {
			k = fail[k-1]
		}
		if nd.at(i) == nd.at(int(k)) {
			k++
		}
		fail[i] = k
	}
	k := 0
	for i := from; i < h.n; i++ {
		c := h.at(i)
		for k > 0 && c != nd.at(k) {
			k = int(fail[k-1])
		}
		if c == nd.at(k) {
			k++
		}
		if k == nd.n {
			return i - nd.n + 1, i - from + 1
		}
	}
	return -1, h.n - from
}

// wraps: XJS_ReadObject
func XJS_ReadObject(tls *libc.TLS, ctx uintptr, buf uintptr, n Tsize_t, flags int32) TJSValue {
	// Reading bytecode is the host's work (the sandbox compiled it): the
	// strings and atoms it makes are not billed.
	m := sbxMeter((*TJSContext)(unsafe.Pointer(ctx)).Frt)
	var before int64
	if m != nil {
		before = m.Steps
	}
	v := XJS_ReadObject_unmetered(tls, ctx, buf, n, flags)
	if m != nil {
		m.Steps = before
	}
	return v
}

// wraps: XJS_Throw
func XJS_Throw(tls *libc.TLS, ctx uintptr, obj TJSValue) TJSValue {
	// An interrupt is uncatchable, but a built-in that fails because a
	// wrapper stopped it may throw its own error over it (a string buffer
	// reports "out of memory"), which a catch clause could take and loop
	// on. So while an uncatchable exception is pending, it stays.
	r := (*TJSRuntime)(unsafe.Pointer((*TJSContext)(unsafe.Pointer(ctx)).Frt))
	if r.F__ccgo1256&0xff != 0 && r.Fcurrent_exception.Ftag != int64(EJS_TAG_UNINITIALIZED) {
		XFreeValue(tls, ctx, obj)
		return sbxException
	}
	return XJS_Throw_unmetered(tls, ctx, obj)
}
