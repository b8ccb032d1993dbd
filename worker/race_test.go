//go:build race

package worker_test

import "github.com/phalanetwork/phala/pruntime/replica"

// raceSlowdown scales the sandbox time limits in these tests. Under the race
// detector the QuickJS engine (C translated to Go) runs many times slower,
// so a hostile script meant to run out of gas or memory would hit the wall
// clock first. Only the wall-clock guard grows; every script must still hit
// its own limit, with the same error.
const raceSlowdown = 20

// raceBlockSlowdown lengthens the block time of the rotation tests. A
// rotation's deadline is counted in blocks, and a gatekeeper restarted
// mid-rotation must open its sealed store and catch up its light client
// before it: under the race detector that wall-clock work takes several
// times longer, while blocks keep their pace.
const raceBlockSlowdown = 3

func init() { replica.ContractLimits.Time *= raceSlowdown }
