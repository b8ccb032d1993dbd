package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/vault"
)

// Vaults lists every vault with its value, free PHA and share price.
func (c *Client) Vaults(ctx context.Context) ([]vault.Summary, error) {
	var out []vault.Summary
	_, err := c.Query(ctx, vault.VaultsPath(), &out)
	return out, err
}

// Vault returns a vault with its pool positions and withdrawal queue.
func (c *Client) Vault(ctx context.Context, id uint64) (vault.Info, error) {
	var out vault.Info
	_, err := c.Query(ctx, vault.VaultPath(id), &out)
	return out, err
}

// VaultShares returns owner's shares in a vault, their value and any
// queued withdrawal.
func (c *Client) VaultShares(ctx context.Context, id uint64, owner address.Address) (vault.SharesInfo, error) {
	var out vault.SharesInfo
	_, err := c.Query(ctx, vault.SharesPath(id, owner), &out)
	return out, err
}
