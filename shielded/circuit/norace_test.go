//go:build !race

package circuit_test

// proofHeavy is empty without the race detector (race_test.go says why).
const proofHeavy = ""
