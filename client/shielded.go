package client

import (
	"context"
	"fmt"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
)

// ShieldedInfo is the shielded pool's public summary.
func (c *Client) ShieldedInfo(ctx context.Context) (shielded.Info, error) {
	return queryAs[shielded.Info](ctx, c, shielded.InfoPath())
}

// ShieldedLeaves reads every leaf of the note commitment tree, page by
// page, for a wallet to scan and to rebuild Merkle paths.
func (c *Client) ShieldedLeaves(ctx context.Context) ([]shielded.Leaf, error) {
	var all []shielded.Leaf
	for {
		page, err := queryAs[[]shielded.Leaf](ctx, c, shielded.LeavesPath(uint64(len(all))))
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < shielded.MaxLeaves {
			return all, nil
		}
	}
}

// ShieldedSpent says whether the nullifier is spent.
func (c *Client) ShieldedSpent(ctx context.Context, nf shielded.Hash) (bool, error) {
	return queryAs[bool](ctx, c, shielded.SpentPath(nf[:]))
}

// ShieldedCeremony reads the setup ceremony's record.
func (c *Client) ShieldedCeremony(ctx context.Context) (shielded.Ceremony, error) {
	return queryAs[shielded.Ceremony](ctx, c, shielded.CeremonyPath())
}

// ShieldedVerifyingKey reads a circuit's verifying key as the chain
// stores it.
func (c *Client) ShieldedVerifyingKey(ctx context.Context, circuit string) ([]byte, error) {
	return queryAs[shielded.Hex](ctx, c, shielded.VKPath(circuit))
}

// CeremonyPeers returns the base URLs of the ceremony's contributors, as
// their worker records give them: where their states are served.
func (c *Client) CeremonyPeers(ctx context.Context) ([]string, error) {
	rec, err := c.ShieldedCeremony(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range rec.Contributors {
		if len(id) != len(registry.WorkerID{}) {
			return nil, fmt.Errorf("ceremony contributor %x is not a worker id", []byte(id))
		}
		w, err := c.Worker(ctx, registry.WorkerID(id))
		if err != nil {
			return nil, err
		}
		if w.Endpoint != "" {
			out = append(out, w.Endpoint)
		}
	}
	return out, nil
}
