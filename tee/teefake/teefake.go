// Package teefake runs the tdx and sev-snp providers over fake hardware,
// for test networks only: TDX quotes come from a go-configfs-tsm fake
// signed by a fixed test Intel chain, SEV-SNP reports from a
// go-configfs-tsm fake signed by go-sev-guest's fixed test AMD chain, and
// the SEV-SNP derived key from go-sev-guest's fake device. The keys of
// these chains are public, so anyone can forge this evidence: a chain
// accepts it only when its genesis lists Roots() in tee_test_roots.
package teefake

import (
	"crypto/sha256"
	"fmt"

	"github.com/phalanetwork/phala/tee"
)

// Warning is printed by every command that runs over a fake TEE.
const Warning = `
*** FAKE TEE HARDWARE: attestation is signed by public test keys and the
*** sealing key is derivable by anyone. For tests only; only a chain whose
*** genesis lists the test roots (tee_test_roots) accepts these workers.
`

// Options pick what the fake hardware reports.
type Options struct {
	// Code names the code the fake TEE "launched"; the measurement is
	// derived from it, as MeasurementOf says.
	Code string
	// Config is the attested configuration: the genesis hash, carried in
	// MRCONFIGID (TDX) or HOST_DATA (SEV-SNP) as a launch would.
	Config [32]byte
}

// MeasurementOf returns the measurement a fake TEE of kind that launched
// code reports: for TDX MRTD||RTMR0||RTMR1||RTMR2, for SEV-SNP the 48-byte
// launch MEASUREMENT, each filled from SHA-256 of the kind and code.
func MeasurementOf(kind tee.Kind, code string) ([]byte, error) {
	var n int
	switch kind {
	case tee.KindTDX:
		n = 4 * 48
	case tee.KindSEVSNP:
		n = 48
	default:
		return nil, fmt.Errorf("teefake: no fake for tee %q", kind)
	}
	out := make([]byte, 0, n+32)
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256(fmt.Appendf(nil, "phala/teefake/measurement/%s/%d/%s", kind, i, code))
		out = append(out, h[:]...)
	}
	return out[:n], nil
}
