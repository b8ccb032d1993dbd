package sevsnp

import (
	"fmt"

	"github.com/google/go-sev-guest/client"
)

// DerivedKeySource is a tee.SealingKeySource that asks the AMD secure
// processor for a key derived (MSG_KEY_REQ) from this chip's VCEK mixed with
// the guest's launch MEASUREMENT and guest policy, at VMPL 0: the same code
// on the same chip gets the same key after a restart, other code or another
// chip gets another. go-sev-guest's LIMITATIONS.md applies: the key is only
// as specific as the measured launch image, so the image must measure the
// worker binary (e.g. measured direct boot of kernel, initrd and command line).
type DerivedKeySource struct {
	// Device is the /dev/sev-guest device; nil opens the default one per call.
	Device client.Device
}

// DerivedKeyRequest is the key request DerivedKeySource sends: rooted in
// the VCEK, mixing in the launch measurement and the guest policy.
func DerivedKeyRequest() *client.SnpDerivedKeyReq {
	return &client.SnpDerivedKeyReq{
		UseVCEK:          true,
		GuestFieldSelect: client.GuestFieldSelect{Measurement: true, GuestPolicy: true},
	}
}

// SealingKey returns the 32-byte derived key.
func (s *DerivedKeySource) SealingKey() ([]byte, error) {
	d := s.Device
	if d == nil {
		dev, err := client.OpenDevice()
		if err != nil {
			return nil, fmt.Errorf("sev-snp derived key: %w", err)
		}
		defer dev.Close()
		d = dev
	}
	resp, err := client.GetDerivedKeyAcknowledgingItsLimitations(d, DerivedKeyRequest())
	if err != nil {
		return nil, fmt.Errorf("sev-snp derived key: %w", err)
	}
	if resp.Data == [32]byte{} {
		return nil, fmt.Errorf("sev-snp derived key: secure processor returned an all-zero key")
	}
	return append([]byte(nil), resp.Data[:]...), nil
}
