package node

import (
	"context"
	"fmt"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
)

// WaitBlock waits up to timeout for the next event on sub, a subscription
// to new blocks.
func WaitBlock(ctx context.Context, sub cmttypes.Subscription, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-sub.Out():
		return nil
	case <-sub.Canceled():
		return fmt.Errorf("block subscription cancelled: %v", sub.Err())
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("no block after %s", timeout)
	}
}
