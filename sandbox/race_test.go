//go:build race

package sandbox

import "time"

// raceSlowdown scales the time limits that only guard tests against a hung
// engine. Under the race detector the QuickJS engine (C translated to Go)
// runs many times slower: the "string copies" script takes 1 s to reach its
// memory limit without it and 44 s with it on a loaded 2-core machine.
// Only the guard grows; every script still has to hit its own limit.
const raceSlowdown = 20

// zooSlack is how far past its limit a zoo script may end under the race
// detector. The detector's own bookkeeping for the engine's large blocks
// (the 8 MiB strings of "eval of a long source": shadow memory set and
// cleared on allocation and free, outside the engine's metered steps) adds
// about a second on a loaded machine. The tight bound, 100 ms, is checked
// without the detector: scripts/test.sh runs the zoo again in a plain build.
const zooSlack = 5 * time.Second
