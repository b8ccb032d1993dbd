package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
)

// devKeyDomain separates dev attestation key seeds from every other use of
// the same seed string.
const devKeyDomain = "phala/tee/sim/dev-attestation-key/v1\x00"

// DevAttestationKey derives a dev attestation keypair deterministically from
// seed (e.g. a devnet name), so a devnet's genesis and its workers agree
// without sharing files. Anyone who knows seed can forge sim attestations.
func DevAttestationKey(seed string) (ed25519.PrivateKey, ed25519.PublicKey, error) {
	if seed == "" {
		return nil, nil, fmt.Errorf("sim tee: empty dev attestation key seed")
	}
	s := sha256.Sum256([]byte(devKeyDomain + seed))
	priv := ed25519.NewKeyFromSeed(s[:])
	return priv, priv.Public().(ed25519.PublicKey), nil
}
