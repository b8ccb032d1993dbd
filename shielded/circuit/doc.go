// Package circuit holds the shielded pool's zero-knowledge circuits (shield,
// transfer, unshield) over BN254 for Groth16, and the native (out-of-circuit)
// hashes they constrain: note commitments, nullifiers and the note commitment
// tree. The native and in-circuit definitions live side by side so that a
// change to one without the other fails this package's tests.
package circuit
