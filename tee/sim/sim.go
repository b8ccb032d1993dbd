// Package sim is the simulated tee.Provider for development and CI: a
// software attestation signed by a dev attestation key whose public half
// is in genesis. It gives NO confidentiality and NO integrity against the
// host: the host holds the dev key and the sealing seed. Chains accept it
// only when genesis sets allow_sim_tee, and every key it derives carries
// the "-insecure" label suffix, so sim keys never equal production keys.
package sim

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/phalanetwork/phala/tee"
)

// SealingSeedSize is the size of the sealing seed.
const SealingSeedSize = 32

// sealingKeyLabel is the HKDF info of the sealing key (before DeriveLabel).
const sealingKeyLabel = "phala/tee/sim/sealing-key/v1"

// insecureSuffix marks every label derived in sim mode.
const insecureSuffix = "-insecure"

// Config configures a Provider.
type Config struct {
	// AttestationKey is the dev attestation private key (from the devnet
	// config); its public half must be in genesis sim_attestation_keys.
	AttestationKey ed25519.PrivateKey
	// SealingSeed (32 bytes) is the secret the sealing key derives from; a
	// restart with the same seed unseals the same data. In sim mode it is
	// NOT secret from the host: whoever reads the seed reads sealed data.
	SealingSeed []byte
	// Code names the running code, e.g. the binary's version; the
	// measurement is SHA-256 of it.
	Code string
	// Genesis is the genesis hash of the chain the enclave is bound to;
	// the evidence attests it as the configuration (what MRCONFIGID is to
	// a TD), apart from the measurement.
	Genesis [tee.ConfigSize]byte
}

// Provider is the simulated tee.Provider.
type Provider struct {
	key         ed25519.PrivateKey
	seed        [SealingSeedSize]byte
	measurement [tee.SimMeasurementSize]byte
	config      [tee.ConfigSize]byte
}

// New returns a Provider for cfg; it logs nothing, print Warning at start.
func New(cfg Config) (*Provider, error) {
	if len(cfg.AttestationKey) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sim tee: attestation key is %d bytes, want %d", len(cfg.AttestationKey), ed25519.PrivateKeySize)
	}
	if len(cfg.SealingSeed) != SealingSeedSize {
		return nil, fmt.Errorf("sim tee: sealing seed is %d bytes, want %d", len(cfg.SealingSeed), SealingSeedSize)
	}
	if cfg.Code == "" {
		return nil, fmt.Errorf("sim tee: empty code identifier, measurement would be meaningless")
	}
	p := &Provider{
		key:         append(ed25519.PrivateKey(nil), cfg.AttestationKey...),
		measurement: Measure(cfg.Code),
		config:      cfg.Genesis,
	}
	copy(p.seed[:], cfg.SealingSeed)
	return p, nil
}

// Measure returns the sim measurement of code: SHA-256 of it.
func Measure(code string) [tee.SimMeasurementSize]byte { return sha256.Sum256([]byte(code)) }

// Kind returns tee.KindSim.
func (p *Provider) Kind() tee.Kind { return tee.KindSim }

// Quote returns encoded tee.SimEvidence binding the configuration and
// reportData, signed by the dev attestation key.
func (p *Provider) Quote(reportData [tee.ReportDataSize]byte) ([]byte, error) {
	e, err := tee.SignSimEvidence(p.key, p.measurement, p.config, reportData)
	if err != nil {
		return nil, fmt.Errorf("sim quote: %w", err)
	}
	return e.Encode(), nil
}

// SealingKey returns HKDF-SHA256 of the sealing seed, bound to the
// measurement and labelled "-insecure".
func (p *Provider) SealingKey() ([]byte, error) {
	k, err := hkdf.Key(sha256.New, p.seed[:], p.measurement[:], p.DeriveLabel(sealingKeyLabel), tee.SealingKeySize)
	if err != nil {
		return nil, fmt.Errorf("sim sealing key: %w", err)
	}
	return k, nil
}

// Measurement returns SHA-256 of the configured code identifier.
func (p *Provider) Measurement() ([]byte, error) {
	return append([]byte(nil), p.measurement[:]...), nil
}

// DeriveLabel returns label with the "-insecure" suffix.
func (p *Provider) DeriveLabel(label string) string { return label + insecureSuffix }

// PublicKey returns the dev attestation public key, as genesis lists it.
func (p *Provider) PublicKey() ed25519.PublicKey {
	return append(ed25519.PublicKey(nil), p.key.Public().(ed25519.PublicKey)...)
}

// Warning returns the text the worker must print at start.
func (p *Provider) Warning() string { return warningText }

// warningText is the banner a worker running the sim TEE prints at start.
const warningText = `
################################################################################
##  SIMULATED TEE: NO CONFIDENTIALITY, NO INTEGRITY.                          ##
##  This worker is not running in a hardware TEE. The host can read every     ##
##  key, contract state, agent secret and prompt in this process, and the     ##
##  "sealed" store is readable by anyone holding the sealing seed.            ##
##  Use only for development and CI, never with real secrets or funds.        ##
##  Chains accept it only when genesis sets allow_sim_tee: true.              ##
################################################################################
`
