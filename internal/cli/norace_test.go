//go:build !race

package cli

// proofHeavy is empty without the race detector (race_test.go says why it
// exists).
const proofHeavy = ""
