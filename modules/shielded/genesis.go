package shielded

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/shielded/circuit"
)

// Genesis is the shielded section: the verifying keys of the three
// circuits (hex of gnark's compressed encoding), from the setup ceremony
// (docs/shielded.md), and the root window. Without keys the pool refuses
// every message with ErrNotSetUp.
type Genesis struct {
	Shield     string `json:"shield_vk,omitempty"`
	Transfer   string `json:"transfer_vk,omitempty"`
	Unshield   string `json:"unshield_vk,omitempty"`
	RootWindow uint64 `json:"root_window,omitempty"`
}

// initGenesis checks and stores the verifying keys and the window.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	// No section writes nothing, so chains that predate the pool keep
	// their AppHash.
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	if g.RootWindow != 0 {
		ctx.KV.Set(keyRootWindow, state.Uint64(g.RootWindow))
	}
	keys := map[circuit.Kind]string{circuit.KindShield: g.Shield, circuit.KindTransfer: g.Transfer, circuit.KindUnshield: g.Unshield}
	for _, kind := range circuit.Kinds {
		if keys[kind] == "" {
			continue
		}
		b, err := hex.DecodeString(keys[kind])
		if err != nil {
			return fmt.Errorf("%w: %s key: %v", ErrBadGenesis, kind, err)
		}
		if _, err := circuit.ParseVerifier(b); err != nil {
			return fmt.Errorf("%w: %s key: %v", ErrBadGenesis, kind, err)
		}
		ctx.KV.Set(VKKey(byte(kind)), b)
	}
	return nil
}
