package devnet_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
)

// TestRestartInSameProcess: a stopped devnet releases every database, so
// the same home starts again in the same process and goes on from its last
// block (CometBFT's node leaves its transaction index open on stop).
func TestRestartInSameProcess(t *testing.T) {
	home := filepath.Join(t.TempDir(), "d")
	var last int64
	for i := 0; i < 2; i++ {
		d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 50 * time.Millisecond, Workers: -1})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		h := d.Node.Comet().BlockStore().Height()
		if h < last {
			t.Fatalf("start %d at height %d, the last run reached %d", i, h, last)
		}
		last = h
		if err := d.Stop(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
	}
}
