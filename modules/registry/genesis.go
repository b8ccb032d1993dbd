package registry

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/tee"
)

// Params govern which TEEs the chain trusts. Genesis sets them; the DAO
// will govern them.
type Params struct {
	// AllowSimTEE admits workers with simulated attestation. Never on a
	// chain that carries value: sim gives no confidentiality.
	AllowSimTEE bool `json:"allow_sim_tee"`
	// SimAttestationKeys are the dev attestation keys a sim quote may be
	// signed with.
	SimAttestationKeys []HexBytes `json:"sim_attestation_keys"`
	// Measurements is the allow-list of code measurements per TEE kind.
	Measurements []Measurement `json:"measurements"`
	// MaxAttestationAge is how many blocks old the block named in a
	// WorkerInfo may be when the registration is executed.
	MaxAttestationAge int64 `json:"max_attestation_age"`
}

// Measurement is one allow-listed build.
type Measurement struct {
	TEE   tee.Kind `json:"tee"`
	Value HexBytes `json:"value"`
	Note  string   `json:"note,omitempty"`
}

// Genesis is the registry section of the genesis app state.
type Genesis struct {
	Params Params `json:"params"`
}

// DefaultMaxAttestationAge is about five minutes of one-second blocks.
const DefaultMaxAttestationAge = 300

// Validate checks the params.
func (p *Params) Validate() error {
	if p.MaxAttestationAge <= 0 || p.MaxAttestationAge > 100_000 {
		return fmt.Errorf("%w: max_attestation_age %d outside [1, 100000] blocks", ErrBadGenesis, p.MaxAttestationAge)
	}
	for i, k := range p.SimAttestationKeys {
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: sim_attestation_keys[%d] is %d bytes, want 32", ErrBadGenesis, i, len(k))
		}
	}
	for i, m := range p.Measurements {
		switch m.TEE {
		case tee.KindSim, tee.KindTDX, tee.KindSEVSNP:
		default:
			return fmt.Errorf("%w: measurements[%d] has unknown tee %q", ErrBadGenesis, i, m.TEE)
		}
		if len(m.Value) == 0 {
			return fmt.Errorf("%w: measurements[%d] is empty", ErrBadGenesis, i)
		}
	}
	return nil
}

// allowed reports whether the measurement of kind is on the allow-list.
func (p *Params) allowed(kind tee.Kind, value []byte) bool {
	for _, m := range p.Measurements {
		if m.TEE == kind && bytes.Equal(m.Value, value) {
			return true
		}
	}
	return false
}

// simKeys returns the dev attestation keys.
func (p *Params) simKeys() []ed25519.PublicKey {
	out := make([]ed25519.PublicKey, len(p.SimAttestationKeys))
	for i, k := range p.SimAttestationKeys {
		out[i] = ed25519.PublicKey(k)
	}
	return out
}

func parseGenesis(raw json.RawMessage) (Genesis, error) {
	g := Genesis{Params: Params{MaxAttestationAge: DefaultMaxAttestationAge}}
	if len(raw) == 0 || string(raw) == "null" {
		return g, nil // no TEEs trusted: nothing can register
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return g, fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	return g, g.Params.Validate()
}
