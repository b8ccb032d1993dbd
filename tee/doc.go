// Package tee is the boundary between a worker's enclave and the chain: the
// Provider interface an enclave uses to attest and seal, the Attestation a
// worker submits, and Verify, which the chain runs on it.
//
// Three kinds exist. KindSim is a software attestation signed by a dev key
// from genesis, for development and CI only: it gives no confidentiality.
// KindTDX (Intel TDX) and KindSEVSNP (AMD SEV-SNP) carry hardware evidence
// obtained through the Linux configfs-tsm interface and are verified against
// the vendors' root certificates, offline and without reading the clock: the
// chain passes the block time in VerifyOptions.Now, so every node reaches the
// same verdict.
//
// The providers live in the sub-packages sim, tdx and sevsnp; the evidence
// formats and the verifiers live here, so that the chain needs only this
// package.
package tee
