package wallet

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"

	"github.com/phalanetwork/phala/shielded/circuit"
)

// KeyFile is the name of kind's proving key in a keys directory (a
// devnet writes them to <home>/shielded/).
func KeyFile(kind circuit.Kind) string { return kind.String() + ".pk" }

// WriteKeys writes every proving key of p to dir (created 0755: proving
// keys are public).
func WriteKeys(dir string, p *Prover) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write proving keys: %w", err)
	}
	for kind, k := range p.Keys {
		if err := writeKey(filepath.Join(dir, KeyFile(kind)), k.PK); err != nil {
			return fmt.Errorf("write %s proving key: %w", kind, err)
		}
	}
	return nil
}

// writeKey writes pk uncompressed (loading skips point decompression)
// through a temporary file, so a crash leaves no half-written key.
func writeKey(path string, pk groth16.ProvingKey) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	_, err = pk.WriteRawTo(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// LoadKeys compiles kind's circuit and reads its proving key from dir. The
// chain's verifying key decides: a key from another setup makes proofs
// the chain refuses.
func LoadKeys(dir string, kind circuit.Kind) (Keys, error) {
	cs, err := circuit.Compile(kind)
	if err != nil {
		return Keys{}, err
	}
	path := filepath.Join(dir, KeyFile(kind))
	f, err := os.Open(path)
	if err != nil {
		return Keys{}, fmt.Errorf("%s proving key: %w (a devnet writes them to <home>/shielded/)", kind, err)
	}
	defer f.Close()
	pk := groth16.NewProvingKey(ecc.BN254)
	if _, err := pk.ReadFrom(bufio.NewReader(f)); err != nil {
		return Keys{}, fmt.Errorf("read %s proving key %s: %w", kind, path, err)
	}
	return Keys{CS: cs, PK: pk}, nil
}
