//go:build race

package worker_test

import "github.com/phalanetwork/phala/pruntime/replica"

// raceSlowdown scales the sandbox time limits in these tests. Under the race
// detector the QuickJS engine (C translated to Go) runs many times slower,
// so a hostile script meant to run out of gas or memory would hit the wall
// clock first. Only the wall-clock guard grows; every script must still hit
// its own limit, with the same error.
const raceSlowdown = 20

func init() { replica.ContractLimits.Time *= raceSlowdown }
