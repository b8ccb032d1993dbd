//go:build race

package circuit_test

// proofHeavy is why proof tests skip under the race detector: Groth16
// setup and proving take minutes there, and CI's race run would overrun.
// The non-race run keeps them.
const proofHeavy = "Groth16 setup and proving under the race detector take minutes; runs without -race"
