package shielded

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

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
	// Ceremony starts the gatekeepers' setup ceremony instead of taking
	// keys from genesis (docs/shielded.md "The setup ceremony on chain").
	Ceremony *CeremonyGenesis `json:"ceremony,omitempty"`
}

// CeremonyGenesis names what a setup ceremony sets up and how many
// gatekeepers contribute: the first Contributors appointed, in order.
// TurnBlocks (0: DefaultTurnBlocks) is how long a contributor's turn, and
// the votes on its contribution, may last before the chain goes on
// without it.
type CeremonyGenesis struct {
	Circuits     []string `json:"circuits"`
	Domain       uint64   `json:"domain"`
	Contributors uint32   `json:"contributors"`
	TurnBlocks   uint64   `json:"turn_blocks,omitempty"`
}

// validate checks the circuits are the pool's, each once, the domain a
// power of two, at least one contributor and a turn of at most
// MaxTurnBlocks.
func (g *CeremonyGenesis) validate() error {
	if len(g.Circuits) == 0 || g.Contributors == 0 || g.Domain < 2 || g.Domain&(g.Domain-1) != 0 {
		return fmt.Errorf("%w: ceremony needs circuits, contributors and a power-of-two domain", ErrBadGenesis)
	}
	if g.TurnBlocks > MaxTurnBlocks {
		return fmt.Errorf("%w: ceremony turn_blocks %d is over %d", ErrBadGenesis, g.TurnBlocks, MaxTurnBlocks)
	}
	for i, c := range g.Circuits {
		if _, ok := circuitKind(c); !ok || slices.Contains(g.Circuits[:i], c) {
			return fmt.Errorf("%w: ceremony circuit %q unknown or repeated", ErrBadGenesis, c)
		}
	}
	return nil
}

// startGenesisCeremony records a ceremony waiting for its contributors.
func (m *Module) startGenesisCeremony(ctx *module.Context, g *Genesis) error {
	if g.Shield != "" || g.Transfer != "" || g.Unshield != "" {
		return fmt.Errorf("%w: verifying keys and a ceremony both given", ErrBadGenesis)
	}
	return m.Keeper.StartCeremony(ctx.KV, *g.Ceremony)
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
	if g.Ceremony != nil {
		return m.startGenesisCeremony(ctx, &g)
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
