//go:build race

package shielded_test

// proofHeavy is why proof tests skip under the race detector: a Groth16
// proof takes minutes there, and CI's race run would overrun. The non-race
// run (and e2e) keeps them.
const proofHeavy = "Groth16 proving under the race detector takes minutes; runs without -race"
