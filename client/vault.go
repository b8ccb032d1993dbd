package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/vault"
)

// Vaults lists every vault with its value, free PHA and share price.
func (c *Client) Vaults(ctx context.Context) ([]vault.Summary, error) {
	return queryAs[[]vault.Summary](ctx, c, vault.VaultsPath())
}

// Vault returns a vault with its pool positions and withdrawal queue.
func (c *Client) Vault(ctx context.Context, id uint64) (vault.Info, error) {
	return queryAs[vault.Info](ctx, c, vault.VaultPath(id))
}

// VaultShares returns owner's shares in a vault, their value and any
// queued withdrawal.
func (c *Client) VaultShares(ctx context.Context, id uint64, owner address.Address) (vault.SharesInfo, error) {
	return queryAs[vault.SharesInfo](ctx, c, vault.SharesPath(id, owner))
}
