package client

import (
	"context"

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
