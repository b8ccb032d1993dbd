package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
)

// Account returns the account at addr.
func (c *Client) Account(ctx context.Context, addr address.Address) (balances.AccountResponse, error) {
	return queryAs[balances.AccountResponse](ctx, c, balances.AccountPath(addr))
}

// Supply returns the supply breakdown.
func (c *Client) Supply(ctx context.Context) (balances.SupplyResponse, error) {
	return queryAs[balances.SupplyResponse](ctx, c, balances.SupplyPath())
}
