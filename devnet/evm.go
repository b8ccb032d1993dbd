package devnet

import (
	"math/big"

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
	return &worker.EVMBridge{RPC: d.EVM.RPCURL, ChainID: big.NewInt(devchain.ChainID), Relayer: a.Key}
}
