package devnet

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/worker"
)

// evmRelayers are the dev accounts the cluster's workers relay answers
// from, one each (an account shared by two workers would race on nonces).
var evmRelayers = []string{"relayer", "relayer2"}

// evmBridge is worker i's bridge of the devnet's EVM chain: the members
// of the devnet's cluster bridge every anchor on it, up to one per
// relayer account; nil for other workers or without --evm.
func (d *Devnet) evmBridge(o Options, i int) *worker.EVMBridge {
	if d.EVM == nil {
		return nil
	}
	j := i - max(o.Gatekeepers, 0)
	if j < 0 || o.Gatekeepers >= o.Workers {
		j = i
	}
	if j >= len(evmRelayers) {
		return nil
	}
	a, ok := d.EVM.Account(evmRelayers[j])
	if !ok {
		return nil
	}
	// A short take-over: the dev chain has a block a second.
	return &worker.EVMBridge{RPC: d.EVM.RPCURL, ChainID: big.NewInt(devchain.ChainID), Relayer: a.Key, Takeover: 5 * time.Second}
}

// Files in <home>/evm that phala evm reads: the dev chain's JSON-RPC URL,
// and the anchor phala evm deploy-anchor deployed last.
const (
	EVMRPCFile    = "rpc_url"
	EVMAnchorFile = "anchor"
)

// writeEVMFiles records the dev chain's RPC URL and forgets the anchor of
// an earlier run: the chain starts again from genesis without it.
func writeEVMFiles(dir, rpcURL string) error {
	if err := os.WriteFile(filepath.Join(dir, EVMRPCFile), []byte(rpcURL+"\n"), 0o600); err != nil {
		return fmt.Errorf("devnet: record the evm rpc url: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, EVMAnchorFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("devnet: forget the old anchor: %w", err)
	}
	return nil
}
