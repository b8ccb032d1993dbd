package app

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

// Params are the chain-wide transaction rules, set in genesis.
type Params struct {
	// MinFee is the smallest fee a transaction may carry.
	MinFee pha.Amount `json:"min_fee"`
	// MaxTxBytes bounds the encoded size of one transaction.
	MaxTxBytes int `json:"max_tx_bytes"`
}

// DefaultParams are the parameters of a new devnet or testnet.
func DefaultParams() Params {
	return Params{MinFee: pha.Units(1_000_000), MaxTxBytes: 64 << 10}
}

// Validate checks the parameters are usable.
func (p Params) Validate() error {
	if p.MaxTxBytes < 256 || p.MaxTxBytes > 1<<20 {
		return fmt.Errorf("params: max_tx_bytes %d outside [256, 1048576]", p.MaxTxBytes)
	}
	return nil
}

var (
	keyParams  = []byte("app/params")
	keyChainID = []byte("app/chain_id")
)

func loadParams(kv state.KV) (Params, error) {
	var p Params
	raw := kv.Get(keyParams)
	if raw == nil {
		return p, fmt.Errorf("params missing from state")
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("decode params: %w", err)
	}
	return p, nil
}

func storeParams(kv state.KV, p Params) {
	raw, err := json.Marshal(p) // struct fields marshal in a fixed order
	if err != nil {
		panic(err)
	}
	kv.Set(keyParams, raw)
}
