//go:build race

package sandbox

// raceSlowdown scales the time limits that only guard tests against a hung
// engine. Under the race detector the QuickJS engine (C translated to Go)
// runs many times slower: the "string copies" script takes 1 s to reach its
// memory limit without it and 44 s with it on a loaded 2-core machine.
// Only the guard grows; every script still has to hit its own limit.
const raceSlowdown = 20
