package tdx_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee/internal/tsmtest"
	"github.com/phalanetwork/phala/tee/tdx"
)

// TestEnclaveStartsOnTDX opens the real enclave over the TDX provider the
// way `phala worker --tee tdx` does: a TDX guest has no hardware sealing
// key, so the enclave must start without one (on first start it gets its
// key from the gatekeepers' KMS once registered) instead of refusing.
func TestEnclaveStartsOnTDX(t *testing.T) {
	raw, _ := recorded(t)
	p, err := tdx.New(tsmtest.Client("tdx_guest", raw, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	gen := &cmttypes.GenesisDoc{ChainID: "tdx-test", GenesisTime: time.Unix(1, 0), InitialHeight: 1,
		Validators: []cmttypes.GenesisValidator{{PubKey: ed25519.GenPrivKey().PubKey(), Power: 1}}}
	enc, err := pruntime.Open(p, filepath.Join(t.TempDir(), "sealed"), gen, time.Now)
	if err != nil {
		t.Fatalf("phala worker --tee tdx cannot open its enclave: %v", err)
	}
	_ = enc
}
