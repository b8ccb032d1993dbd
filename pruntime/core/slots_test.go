package core_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/pruntime/core"
)

// slotStep is one step of a Slots scenario: take a slot for key (an
// arrival that waits when none is free for it), release a held one, or
// cancel a waiting Take.
type slotStep struct {
	op  string // "take", "release" or "cancel"
	key string
	// name names the Take (for a later release or cancel, and in want).
	name string
}

// TestSlotsShareAmongKeys drives Slots through arrivals, releases and
// cancellations and checks which Takes hold a slot after each step: one
// key never holds more than its bound, a freed slot goes to the waiting
// key that holds the fewest (arrival order among equals), and a cancelled
// wait is refused with ErrBusy and takes nothing.
func TestSlotsShareAmongKeys(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n, perKey int
		steps     []slotStep
		want      []string // names holding a slot after the last step, in grant order
	}{
		{"a key's bound leaves room for another key", 4, 2, []slotStep{
			{"take", "A", "a1"}, {"take", "A", "a2"}, {"take", "A", "a3"}, {"take", "B", "b1"},
		}, []string{"a1", "a2", "b1"}},
		{"a freed slot goes to the key that holds the fewest", 2, 2, []slotStep{
			{"take", "A", "a1"}, {"take", "A", "a2"}, {"take", "A", "a3"}, {"take", "B", "b1"}, {"release", "", "a1"},
		}, []string{"a2", "b1"}},
		{"arrival order among keys that hold as many", 1, 1, []slotStep{
			{"take", "A", "a1"}, {"take", "C", "c1"}, {"take", "B", "b1"}, {"release", "", "a1"},
		}, []string{"c1"}},
		{"the waiting key's own bound is kept", 3, 1, []slotStep{
			{"take", "A", "a1"}, {"take", "A", "a2"}, {"take", "B", "b1"}, {"release", "", "b1"},
		}, []string{"a1"}},
		{"its slot freed, a key's waiter goes next", 3, 1, []slotStep{
			{"take", "A", "a1"}, {"take", "A", "a2"}, {"take", "B", "b1"}, {"release", "", "a1"},
		}, []string{"b1", "a2"}},
		{"a cancelled wait takes nothing", 1, 1, []slotStep{
			{"take", "A", "a1"}, {"take", "B", "b1"}, {"take", "C", "c1"}, {"cancel", "", "b1"}, {"release", "", "a1"},
		}, []string{"c1"}},
		{"one key alone may hold all when bound is n", 2, 2, []slotStep{
			{"take", "", "q1"}, {"take", "", "q2"}, {"take", "", "q3"}, {"release", "", "q2"},
		}, []string{"q1", "q3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &slotRun{t: t, s: core.NewSlots(tc.n, tc.perKey, "test work"), takes: map[string]*slotTake{}}
			for _, st := range tc.steps {
				r.step(st)
			}
			var holding []string
			for _, name := range r.granted {
				if !r.takes[name].released {
					holding = append(holding, name)
				}
			}
			if strings.Join(holding, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("holding %v, want %v", holding, tc.want)
			}
		})
	}
}

// slotRun runs a Slots scenario: each Take in a goroutine of its own,
// each step waited out by watching the Takes return and Slots.Waiting,
// not by sleeping.
type slotRun struct {
	t       *testing.T
	s       *core.Slots
	takes   map[string]*slotTake
	granted []string // names in grant order
}

// slotTake is one Take and what it returned, once it did.
type slotTake struct {
	cancel   context.CancelFunc
	result   chan slotResult
	done     bool
	release  func()
	released bool
}

type slotResult struct {
	release func()
	err     error
}

func (r *slotRun) step(st slotStep) {
	switch st.op {
	case "take":
		waiting := r.s.Waiting()
		ctx, cancel := context.WithCancel(context.Background())
		tk := &slotTake{cancel: cancel, result: make(chan slotResult, 1)}
		r.takes[st.name] = tk
		go func() {
			release, err := r.s.Take(ctx, st.key)
			tk.result <- slotResult{release, err}
		}()
		// It is granted (returns) or waits (Waiting grows).
		r.until(func() bool { return r.poll(st.name) || r.s.Waiting() == waiting+1 })
	case "release":
		waiting, returned := r.s.Waiting(), len(r.granted)
		tk := r.takes[st.name]
		tk.release()
		tk.released = true
		// The grants are made inside release: Waiting has dropped by
		// their number, and those Takes return.
		want := returned + waiting - r.s.Waiting()
		r.until(func() bool { r.pollAll(); return len(r.granted) == want })
	case "cancel":
		tk := r.takes[st.name]
		tk.cancel()
		res := <-tk.result
		tk.done = true
		if !errors.Is(res.err, core.ErrBusy) || !strings.Contains(res.err.Error(), "test work") {
			r.t.Fatalf("cancelled %s: %v, want ErrBusy naming the work", st.name, res.err)
		}
	}
}

// poll records name's Take if it returned, and reports whether it did.
func (r *slotRun) poll(name string) bool {
	tk := r.takes[name]
	if tk.done {
		return false
	}
	select {
	case res := <-tk.result:
		if res.err != nil {
			r.t.Fatalf("%s: %v", name, res.err)
		}
		tk.done, tk.release = true, res.release
		r.granted = append(r.granted, name)
		return true
	default:
		return false
	}
}

// pollAll polls every Take, in name order.
func (r *slotRun) pollAll() {
	names := make([]string, 0, len(r.takes))
	for name := range r.takes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		r.poll(name)
	}
}

// until waits for cond, yielding to the Takes' goroutines.
func (r *slotRun) until(cond func() bool) {
	r.t.Helper()
	for i := 0; !cond(); i++ {
		if i > 10_000_000 {
			r.t.Fatal("the slots did not settle")
		}
		runtime.Gosched()
	}
}
