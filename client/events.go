package client

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
)

// BlockEvents returns the attributes, by key, of every event of type typ
// that the block at height emitted: its transactions' in order, then
// FinalizeBlock's. It is for display and tests; events are not proven.
func (c *Client) BlockEvents(ctx context.Context, height int64, typ string) ([]map[string]string, error) {
	res, err := c.RPC.BlockResults(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("block results at height %d: %w", height, err)
	}
	var out []map[string]string
	add := func(evs []abci.Event) {
		for _, ev := range evs {
			if ev.Type != typ {
				continue
			}
			attrs := make(map[string]string, len(ev.Attributes))
			for _, a := range ev.Attributes {
				attrs[a.Key] = a.Value
			}
			out = append(out, attrs)
		}
	}
	for _, r := range res.TxsResults {
		add(r.Events)
	}
	add(res.FinalizeBlockEvents)
	return out, nil
}
