package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
)

// Workers returns every registered worker, in id order.
func (c *Client) Workers(ctx context.Context) ([]registry.Worker, error) {
	return queryAs[[]registry.Worker](ctx, c, registry.WorkersPath())
}

// Worker returns a registered worker's record.
func (c *Client) Worker(ctx context.Context, id registry.WorkerID) (registry.Worker, error) {
	return queryAs[registry.Worker](ctx, c, registry.WorkerPath(id))
}

// RegistryParams returns the registry params: the trusted TEEs and the
// measurement allow-list.
func (c *Client) RegistryParams(ctx context.Context) (registry.Params, error) {
	return queryAs[registry.Params](ctx, c, registry.ParamsPath())
}

// TDXCollateral returns Intel's TCB collateral the chain holds for a TDX
// platform (FMSPC, lower-case hex).
func (c *Client) TDXCollateral(ctx context.Context, fmspc string) (tee.TDXCollateral, error) {
	return queryAs[tee.TDXCollateral](ctx, c, registry.TDXCollateralPath(fmspc))
}
