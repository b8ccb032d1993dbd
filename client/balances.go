package client

import (
	"context"
	"fmt"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
)

// Account returns the account at addr, as the node says.
func (c *Client) Account(ctx context.Context, addr address.Address) (balances.AccountResponse, error) {
	return queryAs[balances.AccountResponse](ctx, c, balances.AccountPath(addr))
}

// ProvenAccount reads the account at addr with a proof, in the state the
// node has committed (lightclient.FreshStates, so a transfer the node
// already shows is seen), as of the returned height: an address with no
// record is proven absent, a zero account.
func (c *Client) ProvenAccount(ctx context.Context, addr address.Address) (balances.AccountResponse, int64, error) {
	lc, err := c.Light(ctx)
	if err != nil {
		return balances.AccountResponse{}, 0, err
	}
	vals, h, err := lc.FreshStates(ctx, balances.AccountKey(addr))
	if err != nil || vals[0] == nil {
		return balances.AccountResponse{Address: addr}, h, err
	}
	a, err := balances.DecodeAccount(vals[0])
	if err != nil {
		return balances.AccountResponse{}, h, fmt.Errorf("account %s: proven record: %w", addr, err)
	}
	return balances.AccountResponse{Address: addr, Account: a}, h, nil
}

// Supply returns the supply breakdown.
func (c *Client) Supply(ctx context.Context) (balances.SupplyResponse, error) {
	return queryAs[balances.SupplyResponse](ctx, c, balances.SupplyPath())
}
