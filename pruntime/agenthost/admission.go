package agenthost

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/phalanetwork/phala/pruntime/core"
)

// admission bounds the memory of the agent calls running at once: each
// call and each agents.call hop reserves its VM's memory limit for as long
// as it runs, out of Runtime.MemoryBudget. Without it, every concurrent
// call (or one call fanning out through agents.call) could grow a VM to
// the limit, and a few hundred of them would exhaust the machine.
type admission struct {
	mu     sync.Mutex
	sem    *semaphore.Weighted
	budget uint64
}

// gate returns the semaphore for budget, a new one when the budget
// changed (calls running under the old one release to it).
func (a *admission) gate(budget uint64) *semaphore.Weighted {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sem == nil || a.budget != budget {
		a.sem, a.budget = semaphore.NewWeighted(int64(min(budget, 1<<62))), budget
	}
	return a.sem
}

// admit reserves one call's memory limit out of the budget. A call from a
// client waits its turn, at most its time limit; a hop is refused at once
// if there is no room, since its parent holds memory it would wait for
// and a tree of such waits could hold the whole budget. A refusal is
// core.ErrBusy (503, try again).
func (host *Host) admit(ctx context.Context, rt Runtime, hop bool) (release func(), err error) {
	need := min(rt.Limits.Memory, rt.MemoryBudget)
	sem := host.admission.gate(rt.MemoryBudget)
	if hop {
		if !sem.TryAcquire(int64(need)) {
			return nil, fmt.Errorf("%w: the agent calls running here hold the memory budget (%d MiB, %d MiB a call); no room for this hop", core.ErrBusy, rt.MemoryBudget>>20, need>>20)
		}
	} else {
		wait, cancel := context.WithTimeout(ctx, rt.Limits.Time)
		defer cancel()
		if err := sem.Acquire(wait, int64(need)); err != nil {
			return nil, fmt.Errorf("%w: the agent calls running here held the memory budget (%d MiB, %d MiB a call) for the whole %v this call may take", core.ErrBusy, rt.MemoryBudget>>20, need>>20, rt.Limits.Time)
		}
	}
	return func() { sem.Release(int64(need)) }, nil
}
