//go:build !race

package tee_test

// raceDetector says the tests run under the race detector (race_test.go).
const raceDetector = false
