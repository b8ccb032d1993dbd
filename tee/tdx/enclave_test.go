package tdx_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestEnclaveOnTDX opens the real enclave over the TDX provider. Without a
// key it refuses with ErrNoSealingKey (before the KMS, `phala worker --tee
// tdx` stopped there; the worker now first gets the key from the
// gatekeepers' KMS: e2e TestRealTEEWorkers). With the KMS's key it opens.
func TestEnclaveOnTDX(t *testing.T) {
	gen := &cmttypes.GenesisDoc{ChainID: "tdx-test", GenesisTime: time.Unix(1, 0), InitialHeight: 1,
		Validators: []cmttypes.GenesisValidator{{PubKey: ed25519.GenPrivKey().PubKey(), Power: 1}}}
	// A TD launched for this chain: MRCONFIGID carries its genesis hash.
	o := teefake.Options{Code: "tdx enclave test", Config: pruntime.GenesisHash(gen)}
	dir := filepath.Join(t.TempDir(), "sealed")
	none, err := teefake.Provider(tee.KindTDX, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pruntime.Open(none, dir, gen, time.Now); !errors.Is(err, tee.ErrNoSealingKey) {
		t.Fatalf("enclave without a sealing key: %v, want %v", err, tee.ErrNoSealingKey)
	}
	p, err := teefake.Provider(tee.KindTDX, o, keySource{key: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pruntime.Open(p, dir, gen, time.Now); err != nil {
		t.Fatalf("enclave with the KMS key: %v", err)
	}
}
