package cli

import (
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/pflag"

	"github.com/phalanetwork/phala/worker"
)

// evmBridgeFlags are the flags of "phala worker" that bridge an EVM chain.
type evmBridgeFlags struct {
	rpc, anchor, relayerKey string
	chainID                 uint64
}

func (e *evmBridgeFlags) register(f *pflag.FlagSet) {
	f.StringVar(&e.rpc, "evm-rpc", "", "JSON-RPC URL of an EVM chain whose PhalaAnchor requests this worker answers for its clusters' agents (docs/evm.md)")
	f.Uint64Var(&e.chainID, "evm-chain-id", 0, "chain id of --evm-rpc (checked against the node)")
	f.StringVar(&e.anchor, "evm-anchor", "", "bridge only this anchor (default every contract that emits AgentRequest)")
	f.StringVar(&e.relayerKey, "evm-relayer-key", "", "file with the hex secp256k1 key of the EVM account that submits answers and pays their gas")
}

// bridge is the worker's EVM bridge, or nil without --evm-rpc.
func (e *evmBridgeFlags) bridge() (*worker.EVMBridge, error) {
	if e.rpc == "" {
		return nil, nil
	}
	if e.chainID == 0 || e.relayerKey == "" {
		return nil, fmt.Errorf("--evm-rpc needs --evm-chain-id and --evm-relayer-key")
	}
	raw, err := os.ReadFile(e.relayerKey)
	if err != nil {
		return nil, fmt.Errorf("--evm-relayer-key: %w", err)
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x"))
	if err != nil {
		return nil, fmt.Errorf("--evm-relayer-key %s: %w", e.relayerKey, err)
	}
	b := &worker.EVMBridge{RPC: e.rpc, ChainID: new(big.Int).SetUint64(e.chainID), Relayer: key}
	if e.anchor != "" {
		if !common.IsHexAddress(e.anchor) {
			return nil, fmt.Errorf("--evm-anchor %q is not an address", e.anchor)
		}
		b.Anchor = common.HexToAddress(e.anchor)
	}
	return b, nil
}
