package engines

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// snapAgent builds a SnapVM with the agent setup and the handler, and takes
// its snapshot.
func snapAgent(tb testing.TB, mode SnapMode, withHandler bool) (*SnapVM, []byte) {
	tb.Helper()
	s, err := LoadAgentSetup("../..")
	if err != nil {
		tb.Fatal(err)
	}
	var bcs [4][]byte
	for i, src := range []string{s.Stubs, s.Bootstrap, s.Prelude, Handler} {
		if bcs[i], err = compileStripped(src); err != nil {
			tb.Fatal(err)
		}
	}
	v, err := NewSnapVM(256<<20, mode)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(v.Close)
	if err := v.RunAgentSetup(bcs[0], bcs[1], bcs[2], s.Config); err != nil {
		tb.Fatal(err)
	}
	if withHandler {
		if _, err := v.EvalBytecode(bcs[3]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := v.Snapshot(); err != nil {
		tb.Fatal(err)
	}
	return v, bcs[3]
}

// snapBare builds a SnapVM with only the handler (a bare context, as
// BenchmarkModernc's) and takes its snapshot.
func snapBare(tb testing.TB, mode SnapMode) *SnapVM {
	tb.Helper()
	v, err := NewSnapVM(256<<20, mode)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(v.Close)
	if err := v.Eval(Handler); err != nil {
		tb.Fatal(err)
	}
	if err := v.Snapshot(); err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkSnapshot is a call on a VM restored from a snapshot instead of a
// fresh one: the handler's call on the request (as BenchmarkModernc's run
// stage), then the restore that undoes it. bare: the snapshot holds a
// context with the handler, as BenchmarkModernc's VM; agent: the agent
// setup and the handler, as BenchmarkModerncAgentSetup's; agent-load: the
// agent setup only, the handler loaded from bytecode in each call (an
// agent's module not in the snapshot). Compare with BenchmarkModernc,
// BenchmarkModerncAgentSetup and BenchmarkSandbox in the same run.
func BenchmarkSnapshot(b *testing.B) {
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		b.Run("bare/"+mode.String(), func(b *testing.B) {
			measureSnap(b, snapBare(b, mode), nil)
		})
		b.Run("agent/"+mode.String(), func(b *testing.B) {
			v, _ := snapAgent(b, mode, true)
			measureSnap(b, v, nil)
		})
		b.Run("agent-load/"+mode.String(), func(b *testing.B) {
			v, bc := snapAgent(b, mode, false)
			measureSnap(b, v, bc)
		})
	}
}

// BenchmarkSnapshotSize is the copy mode's cost as the snapshot grows: the
// agent snapshot with 1, 4 and 16 MiB more heap (a typed array the setup
// leaves, standing for a large agent bundle or data), restored after
// every call.
func BenchmarkSnapshotSize(b *testing.B) {
	for _, mib := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			v, _ := snapAgent(b, SnapCopy, true)
			if err := v.Restore(); err != nil {
				b.Fatal(err)
			}
			if err := v.Eval(fmt.Sprintf("globalThis.pad = new Uint8Array(%d).fill(1);", mib<<20)); err != nil {
				b.Fatal(err)
			}
			if err := v.Snapshot(); err != nil {
				b.Fatal(err)
			}
			measureSnap(b, v, nil)
		})
	}
}

// measureSnap measures calls on v, each loading handler first if it is not
// nil, then restoring v, and reports the process's minor page faults per
// call too (warm-up calls included), which the memfd mode takes for the
// pages a call touches.
func measureSnap(b *testing.B, v *SnapVM, handler []byte) {
	faults0, calls := minorFaults(b), 0
	Measure(b, []string{"load", "run", "restore"}, func(s *Stages) error {
		if handler != nil {
			if _, err := v.EvalBytecode(handler); err != nil {
				return err
			}
		}
		calls++
		s.Mark(0)
		out, err := v.CallHandler(Request)
		s.Mark(1)
		if err == nil {
			err = Check(out)
		}
		if rerr := v.Restore(); err == nil {
			err = rerr
		}
		s.Mark(2)
		return err
	})
	b.ReportMetric(float64(minorFaults(b)-faults0)/float64(calls), "faults/op")
	b.ReportMetric(float64(v.Arena.Used()), "heap-bytes")
}

// minorFaults is the process's count of minor page faults.
func minorFaults(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Minflt
}

func TestSnapSmoke(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		v, _ := snapAgent(t, mode, true)
		t.Logf("%v: used %d", mode, v.Arena.Used())
		for i := range 3 {
			out, err := v.CallHandler(Request)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(out); err != nil {
				t.Fatal(i, err)
			}
			t.Logf("after call: used %d", v.Arena.Used())
			if err := v.Restore(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestArenaClasses checks that every size gets a class whose blocks hold it,
// and no class is more than a step bigger than it needs.
func TestArenaClasses(t *testing.T) {
	for n := uint64(1); n < 1<<24; n += 1 + n/64 {
		c := classOf(n)
		if s := classSize(c); s < n || (c > 1 && classSize(c-1) >= n) {
			t.Fatalf("size %d: class %d of %d bytes (previous %d)", n, c, s, classSize(c-1))
		}
	}
}

// BenchmarkPageFault is what the memfd mode pays per page on this machine:
// 64 pages written (each a write fault: a zeroed page, or a copy of the
// file's) then dropped with MADV_DONTNEED, on an anonymous mapping and on a
// private mapping of a memfd. Divide "touch" by 64 for a fault.
func BenchmarkPageFault(b *testing.B) {
	const n = 64 * pageSize
	for _, memfd := range []bool{false, true} {
		b.Run(map[bool]string{false: "anonymous", true: "memfd"}[memfd], func(b *testing.B) {
			fd, flags := -1, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS
			if memfd {
				var err error
				if fd, err = unix.MemfdCreate("fault-bench", unix.MFD_CLOEXEC); err != nil {
					b.Fatal(err)
				}
				defer unix.Close(fd)
				if err := unix.Ftruncate(fd, n); err != nil {
					b.Fatal(err)
				}
				flags = unix.MAP_PRIVATE
			}
			mem, err := unix.Mmap(fd, 0, n, unix.PROT_READ|unix.PROT_WRITE, flags)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Munmap(mem)
			Measure(b, []string{"touch", "madvise"}, func(s *Stages) error {
				for i := 0; i < n; i += pageSize {
					mem[i]++
				}
				s.Mark(0)
				err := unix.Madvise(mem, unix.MADV_DONTNEED)
				s.Mark(1)
				return err
			})
		})
	}
}
