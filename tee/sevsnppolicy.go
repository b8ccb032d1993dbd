package tee

import (
	"errors"
	"fmt"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	sevpb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
)

// SEVSNPTCB is an SEV-SNP TCB version by component: the security patch
// levels of the bootloader, the PSP OS (TEE), the SNP firmware and the
// CPU microcode.
type SEVSNPTCB struct {
	BlSpl    uint8 `json:"bl_spl"`
	TeeSpl   uint8 `json:"tee_spl"`
	SnpSpl   uint8 `json:"snp_spl"`
	UcodeSpl uint8 `json:"ucode_spl"`
}

// parts is t in go-sev-guest's form.
func (t SEVSNPTCB) parts() kds.TCBParts {
	return kds.TCBParts{BlSpl: t.BlSpl, TeeSpl: t.TeeSpl, SnpSpl: t.SnpSpl, UcodeSpl: t.UcodeSpl}
}

// checkSEVSNPPolicy runs go-sev-guest's validation of a verified report,
// one check at a time so that a refusal names the check that failed: the
// platform policy (no migration agent; TCB consistent with the VCEK),
// VMPL 0, no provisional firmware, and the chain's minimum TCB. Debug is
// decided by the caller.
func checkSEVSNPPolicy(att *sevpb.Attestation, o VerifyOptions) error {
	// The most permissive guest policy but for a migration agent, which
	// could export the guest's memory.
	base := validate.Options{GuestPolicy: sevabi.SnpPolicy{SMT: true, Debug: true, CXLAllowed: true}, PermitProvisionalFirmware: true}
	vmpl0 := 0
	checks := []struct {
		sentinel error
		opts     func(*validate.Options)
	}{
		{ErrPolicy, func(*validate.Options) {}},
		// A report from a higher VMPL comes from code below the guest's
		// own kernel in privilege, which the measurement does not cover.
		{ErrWrongVMPL, func(v *validate.Options) { v.VMPL = &vmpl0 }},
		// Provisional firmware can be rolled back to the committed one,
		// whose holes the current TCB claims to fix.
		{ErrProvisionalFirmware, func(v *validate.Options) { v.PermitProvisionalFirmware = false }},
		{ErrTCBOutOfDate, func(v *validate.Options) { v.MinimumTCB = o.SEVSNPMinTCB.parts() }},
	}
	for _, c := range checks {
		opts := base
		c.opts(&opts)
		err := guard("sev-snp validate", func() error { return validate.SnpAttestation(att, &opts) })
		if errors.Is(err, ErrBadEvidence) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: sev-snp: %v", c.sentinel, err)
		}
	}
	return nil
}
