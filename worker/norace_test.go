//go:build !race

package worker_test

// raceSlowdown is 1 without the race detector (race_test.go says why it
// exists).
const raceSlowdown = 1

// raceBlockSlowdown is 1 without the race detector (see race_test.go).
const raceBlockSlowdown = 1
