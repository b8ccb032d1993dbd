// Package engines measures what a fresh, isolated JavaScript context per
// call costs on each candidate engine for the sandbox (docs/engines.md).
//
// It is a module of its own, so that the engines it compares never become
// dependencies of the project: the project's sandbox and its patched
// modernc.org/libquickjs come from the main module through replace
// directives. Every benchmark runs the same trivial handler, creating and
// destroying a context (and, where the engine has one, a runtime) for each
// call, and reports the CPU time of each stage.
//
// SnapVM (arena.go, snapvm.go) is the other way to a fresh context: one
// QuickJS runtime whose whole heap is an arena, made once, and put back to
// a snapshot of its heap after every call; BenchmarkSnapshot measures it
// and snapiso_test.go checks that no call sees anything of the one before
// (docs/engines.md, "Restoring a VM from a snapshot").
package engines
