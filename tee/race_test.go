//go:build race

package tee_test

// raceDetector says the tests run under the race detector (see
// skipFlipsUnderRace).
const raceDetector = true
