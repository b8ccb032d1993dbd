//go:build cquickjs

package cquickjs

/*
#cgo CFLAGS: -I${SRCDIR}/build/include -O2
#cgo LDFLAGS: ${SRCDIR}/build/libquickjs.a -lm -lpthread
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"

// The sandbox installs an interrupt handler and limits on every VM; so
// does this one, so that the engine polls as it would there.
static int qjs_interrupt(JSRuntime *rt, void *opaque) { return 0; }

static JSRuntime *qjs_new_runtime(void) {
	JSRuntime *rt = JS_NewRuntime();
	if (!rt) return NULL;
	JS_SetMemoryLimit(rt, 64 << 20);
	JS_SetMaxStackSize(rt, 1 << 20);
	JS_SetGCThreshold(rt, 4 << 20);
	JS_SetInterruptHandler(rt, qjs_interrupt, NULL);
	return rt;
}

// qjs_error copies the pending exception's text into out.
static int qjs_error(JSContext *ctx, char *out, size_t cap) {
	JSValue e = JS_GetException(ctx);
	const char *s = JS_ToCString(ctx, e);
	snprintf(out, cap, "%s", s ? s : "exception");
	if (s) JS_FreeCString(ctx, s);
	JS_FreeValue(ctx, e);
	return -1;
}

static int qjs_eval_source(JSContext *ctx, const char *src, size_t len, char *err, size_t cap) {
	JSValue v = JS_Eval(ctx, src, len, "handler.js", JS_EVAL_TYPE_GLOBAL);
	if (JS_IsException(v)) return qjs_error(ctx, err, cap);
	JS_FreeValue(ctx, v);
	return 0;
}

// qjs_compile returns the bytecode of src, allocated with malloc.
static uint8_t *qjs_compile(JSContext *ctx, const char *src, size_t len, size_t *n) {
	JSValue f = JS_Eval(ctx, src, len, "handler.js", JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY);
	if (JS_IsException(f)) return NULL;
	uint8_t *bc = JS_WriteObject(ctx, n, f, JS_WRITE_OBJ_BYTECODE);
	JS_FreeValue(ctx, f);
	if (!bc) return NULL;
	uint8_t *out = malloc(*n);
	if (out) memcpy(out, bc, *n);
	js_free(ctx, bc);
	return out;
}

static int qjs_eval_bytecode(JSContext *ctx, const uint8_t *bc, size_t n, char *err, size_t cap) {
	JSValue f = JS_ReadObject(ctx, bc, n, JS_READ_OBJ_BYTECODE);
	if (JS_IsException(f)) return qjs_error(ctx, err, cap);
	JSValue v = JS_EvalFunction(ctx, f);
	if (JS_IsException(v)) return qjs_error(ctx, err, cap);
	JS_FreeValue(ctx, v);
	return 0;
}

// qjs_eval_bytecode_call evaluates bytecode to a function and calls it
// with the string arg, as the sandbox runs its bootstrap.
static int qjs_eval_bytecode_call(JSContext *ctx, const uint8_t *bc, size_t n, const char *arg, char *err, size_t cap) {
	JSValue f = JS_ReadObject(ctx, bc, n, JS_READ_OBJ_BYTECODE);
	if (JS_IsException(f)) return qjs_error(ctx, err, cap);
	JSValue fn = JS_EvalFunction(ctx, f);
	if (JS_IsException(fn)) return qjs_error(ctx, err, cap);
	JSValue a = JS_NewString(ctx, arg);
	JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 1, &a);
	JS_FreeValue(ctx, a);
	JS_FreeValue(ctx, fn);
	if (JS_IsException(r)) return qjs_error(ctx, err, cap);
	JS_FreeValue(ctx, r);
	return 0;
}

// qjs_run calls __call(req), runs the promise jobs and copies the string
// __result() returns into out; it returns its length or -1.
static int qjs_run(JSContext *ctx, const char *req, char *out, size_t cap) {
	JSValue g = JS_GetGlobalObject(ctx);
	JSValue call = JS_GetPropertyStr(ctx, g, "__call");
	JSValue arg = JS_NewString(ctx, req);
	JSValue r = JS_Call(ctx, call, g, 1, &arg);
	JS_FreeValue(ctx, arg);
	JS_FreeValue(ctx, call);
	if (JS_IsException(r)) { JS_FreeValue(ctx, g); return qjs_error(ctx, out, cap); }
	JS_FreeValue(ctx, r);
	JSContext *jc;
	int e;
	while ((e = JS_ExecutePendingJob(JS_GetRuntime(ctx), &jc)) > 0) {}
	if (e < 0) { JS_FreeValue(ctx, g); return qjs_error(ctx, out, cap); }
	JSValue res = JS_GetPropertyStr(ctx, g, "__result");
	JSValue s = JS_Call(ctx, res, g, 0, NULL);
	JS_FreeValue(ctx, res);
	JS_FreeValue(ctx, g);
	if (JS_IsException(s)) return qjs_error(ctx, out, cap);
	size_t n;
	const char *p = JS_ToCStringLen(ctx, &n, s);
	JS_FreeValue(ctx, s);
	if (!p) return qjs_error(ctx, out, cap);
	if (n > cap) n = cap;
	memcpy(out, p, n);
	JS_FreeCString(ctx, p);
	return (int)n;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Runtime is a QuickJS runtime: the heap, the limits, the interrupt
// handler.
type Runtime struct{ rt *C.JSRuntime }

// Context is a QuickJS context of a Runtime: its own global object and
// intrinsics.
type Context struct{ ctx *C.JSContext }

// Source is JavaScript source held in C memory (QuickJS wants it
// NUL-terminated), made once and reused by every call.
type Source struct {
	p *C.char
	n C.size_t
}

// NewSource copies src into C memory.
func NewSource(src string) Source { return Source{C.CString(src), C.size_t(len(src))} }

// NewRuntime creates a runtime with a 64 MiB memory limit, a 1 MiB stack
// limit, the first collection at 4 MiB and an interrupt handler.
func NewRuntime() (*Runtime, error) {
	rt := C.qjs_new_runtime()
	if rt == nil {
		return nil, errors.New("cquickjs: JS_NewRuntime failed")
	}
	return &Runtime{rt}, nil
}

// Free frees the runtime.
func (r *Runtime) Free() { C.JS_FreeRuntime(r.rt) }

// NewContext creates a context with all the standard intrinsics.
func (r *Runtime) NewContext() (*Context, error) {
	ctx := C.JS_NewContext(r.rt)
	if ctx == nil {
		return nil, errors.New("cquickjs: JS_NewContext failed")
	}
	return &Context{ctx}, nil
}

// Free frees the context.
func (c *Context) Free() { C.JS_FreeContext(c.ctx) }

// EvalSource evaluates src as global code.
func (c *Context) EvalSource(src Source) error {
	var buf [256]C.char
	if C.qjs_eval_source(c.ctx, src.p, src.n, &buf[0], C.size_t(len(buf))) < 0 {
		return fmt.Errorf("cquickjs: eval: %s", C.GoString(&buf[0]))
	}
	return nil
}

// Compile returns the bytecode of src.
func (c *Context) Compile(src Source) ([]byte, error) {
	var n C.size_t
	bc := C.qjs_compile(c.ctx, src.p, src.n, &n)
	if bc == nil {
		return nil, errors.New("cquickjs: compile failed")
	}
	defer C.free(unsafe.Pointer(bc))
	return C.GoBytes(unsafe.Pointer(bc), C.int(n)), nil
}

// CompileStripped returns the bytecode of src without its debug
// information and source, as the sandbox compiles trusted code.
func (c *Context) CompileStripped(src Source) ([]byte, error) {
	rt := C.JS_GetRuntime(c.ctx)
	C.JS_SetStripInfo(rt, C.JS_STRIP_DEBUG|C.JS_STRIP_SOURCE)
	defer C.JS_SetStripInfo(rt, 0)
	return c.Compile(src)
}

// EvalBytecodeCall evaluates bytecode to a function and calls it with arg.
func (c *Context) EvalBytecodeCall(bc []byte, arg Source) error {
	var buf [256]C.char
	if C.qjs_eval_bytecode_call(c.ctx, (*C.uint8_t)(unsafe.Pointer(&bc[0])), C.size_t(len(bc)), arg.p, &buf[0], C.size_t(len(buf))) < 0 {
		return fmt.Errorf("cquickjs: eval and call: %s", C.GoString(&buf[0]))
	}
	return nil
}

// EvalBytecode evaluates bytecode from Compile.
func (c *Context) EvalBytecode(bc []byte) error {
	var buf [256]C.char
	if C.qjs_eval_bytecode(c.ctx, (*C.uint8_t)(unsafe.Pointer(&bc[0])), C.size_t(len(bc)), &buf[0], C.size_t(len(buf))) < 0 {
		return fmt.Errorf("cquickjs: eval: %s", C.GoString(&buf[0]))
	}
	return nil
}

// Run calls the global __call on req, runs the promise jobs and returns
// what the global __result returns.
func (c *Context) Run(req Source) (string, error) {
	var buf [1024]C.char
	n := C.qjs_run(c.ctx, req.p, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return "", fmt.Errorf("cquickjs: run: %s", C.GoString(&buf[0]))
	}
	return C.GoStringN(&buf[0], n), nil
}
