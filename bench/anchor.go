package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/abci/example/kvstore"
	cmtcfg "github.com/cometbft/cometbft/config"
	nm "github.com/cometbft/cometbft/node"

	"github.com/phalanetwork/phala/node"
)

// kvstoreEngine is the anchor: CometBFT's kvstore example app on exactly
// the engine, home layout and config our node gets. It is the persistent
// variant (a LevelDB in the home's data directory), the fair match for our
// disk-backed IAVL state: both apps write every committed tx to a LevelDB.
// kvstore does no signature check and keeps no Merkle tree, so it shows
// what CometBFT itself costs per tx on this machine.
var kvstoreEngine = engine{
	name: "kvstore (persistent, LevelDB)",
	start: func(ctx context.Context, home string, logger *slog.Logger, configure func(*cmtcfg.Config)) (*nm.Node, func() error, error) {
		c, err := node.Config(home)
		if err != nil {
			return nil, nil, err
		}
		configure(c)
		c.SetRoot(home)
		// kvstore.NewPersistentApplication gives no way to close its
		// database; open the same LevelDB ourselves so it can be closed.
		db, err := dbm.NewGoLevelDB("kvstore", filepath.Join(home, "data"))
		if err != nil {
			return nil, nil, fmt.Errorf("open kvstore db: %w", err)
		}
		cmt, err := node.StartABCI(ctx, c, logger, kvstore.NewApplication(db))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		stop := func() error {
			var errs []error
			if cmt.IsRunning() {
				if err := cmt.Stop(); err != nil {
					errs = append(errs, fmt.Errorf("stop node: %w", err))
				}
				cmt.Wait()
			}
			if err := db.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close kvstore db: %w", err))
			}
			return errors.Join(errs...)
		}
		return cmt, stop, nil
	},
}

// kvstoreTxs returns n kvstore txs "bench-<i>=vvv…": unique keys, padded
// to size bytes so the engine moves as many bytes as for our transfers.
func kvstoreTxs(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		kv := fmt.Sprintf("bench-%09d=v", i)
		if pad := size - len(kv); pad > 0 {
			kv += strings.Repeat("v", pad)
		}
		out[i] = []byte(kv)
	}
	return out
}
