package worker

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee/sim"
)

// LoadOrCreateSimAttestationKey reads the dev attestation key (a hex
// ed25519 seed) at path, creating one if the file does not exist. Only sim
// TEEs use it; its public half goes into genesis.
func LoadOrCreateSimAttestationKey(path string) (ed25519.PrivateKey, error) {
	seed, err := loadOrCreateSeed(path, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("sim attestation key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewSimProvider builds the simulated TEE of a worker whose home is home,
// launched for the chain whose genesis hash is genesis (pruntime.GenesisHash
// of its genesis document), which it attests as its configuration. Its
// sealing seed lives in home/sim_sealing_seed: in sim mode the host can
// read it, which is why sim gives no confidentiality.
func NewSimProvider(attestationKey ed25519.PrivateKey, home string, genesis [32]byte) (*sim.Provider, error) {
	seed, err := loadOrCreateSeed(filepath.Join(home, "sim_sealing_seed"), sim.SealingSeedSize)
	if err != nil {
		return nil, fmt.Errorf("sim sealing seed: %w", err)
	}
	return sim.New(sim.Config{AttestationKey: attestationKey, SealingSeed: seed, Code: pruntime.SimCode, Genesis: genesis})
}

// SimMeasurement is the measurement every sim worker of this build reports.
func SimMeasurement() []byte {
	m := sim.Measure(pruntime.SimCode)
	return m[:]
}

func loadOrCreateSeed(path string, size int) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, size)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return seed, nil
	}
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(seed) != size {
		return nil, fmt.Errorf("%s must hold %d hex-encoded bytes", path, size)
	}
	return seed, nil
}
