//go:build race

package stakepool_test

// raceDetector says the tests run under the race detector (see
// skipSimUnderRace).
const raceDetector = true
