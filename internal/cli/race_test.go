//go:build race

package cli

// proofHeavy skips the tests that run a Groth16 ceremony: under the race
// detector gnark's setup and proving take many minutes.
const proofHeavy = "Groth16 ceremony under the race detector takes minutes; runs without -race"
