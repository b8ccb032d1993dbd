package lightclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// maxBisections bounds the headers fetched to bridge one validator-set
// change that the trusted set cannot vouch for directly.
const maxBisections = 64

// Latest verifies the node's latest header from the trusted root, moves
// the root there and returns it.
func (c *Client) Latest(ctx context.Context) (*types.LightBlock, error) {
	h, err := c.src.LatestHeight(ctx)
	if err != nil {
		return nil, fmt.Errorf("lightclient: latest height: %w", err)
	}
	return c.verifyAtLeast(ctx, h, true)
}

// VerifyTo verifies the header of height (not below the trusted root:
// the client verifies forward only), moves the root there and returns it.
func (c *Client) VerifyTo(ctx context.Context, height int64) (*types.LightBlock, error) {
	return c.verifyAtLeast(ctx, height, false)
}

// verifyAtLeast is VerifyTo; with orLater, a root already past height is
// returned instead of refused. Reads that only need a header at least
// that new use it: a concurrent read sharing the client may have moved the
// root past the height the node named a moment before.
func (c *Client) verifyAtLeast(ctx context.Context, height int64, orLater bool) (*types.LightBlock, error) {
	c.mu.Lock()
	trusted := c.trusted
	c.mu.Unlock()
	switch {
	case height == trusted.Height, height < trusted.Height && orLater:
		return trusted, nil
	case height < trusted.Height:
		return nil, fmt.Errorf("%w: forward-only check failed: height %d is below the trusted root %d", ErrHeaderChain, height, trusted.Height)
	}
	budget := maxBisections
	lb, err := c.verifyFrom(ctx, trusted, height, &budget)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if lb.Height > c.trusted.Height {
		c.trusted = lb
	}
	c.mu.Unlock()
	return lb, c.save(false)
}

// verifyFrom verifies the header of height from trusted, bisecting when
// the trusted validators cannot vouch for it directly.
func (c *Client) verifyFrom(ctx context.Context, trusted *types.LightBlock, height int64, budget *int) (*types.LightBlock, error) {
	lb, err := c.src.LightBlock(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("lightclient: fetch header %d: %w", height, err)
	}
	if err := validate(lb, height); err != nil {
		return nil, err
	}
	err = light.Verify(trusted.SignedHeader, trusted.ValidatorSet, lb.SignedHeader, lb.ValidatorSet,
		c.period, c.now(), maxClockDrift, light.DefaultTrustLevel)
	var cant light.ErrNewValSetCantBeTrusted
	if errors.As(err, &cant) && height > trusted.Height+1 && *budget > 0 {
		*budget--
		mid, err := c.verifyFrom(ctx, trusted, trusted.Height+(height-trusted.Height)/2, budget)
		if err != nil {
			return nil, err
		}
		return c.verifyFrom(ctx, mid, height, budget)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: header %d from trusted %d: %v", ErrHeaderChain, height, trusted.Height, err)
	}
	return lb, nil
}

// State returns the value of key (nil when absent, proven absent) in the
// state after block H, checked against the AppHash of the verified header
// H+1, the node's latest; it returns H.
func (c *Client) State(ctx context.Context, key []byte) ([]byte, int64, error) {
	vs, h, err := c.States(ctx, key)
	if err != nil {
		return nil, h, err
	}
	return vs[0], h, nil
}

// States is State for several keys, all read at the same height.
func (c *Client) States(ctx context.Context, keys ...[]byte) ([][]byte, int64, error) {
	next, err := c.Latest(ctx)
	if err != nil {
		return nil, 0, err
	}
	return c.statesBelow(ctx, next, keys)
}

// FreshStates is States at the state the node had committed when asked
// (its latest height L): it waits for header L+1, which carries that
// state's AppHash, so a read right after a change the node already shows
// (a key just published) sees it.
func (c *Client) FreshStates(ctx context.Context, keys ...[]byte) ([][]byte, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, freshWait)
	defer cancel()
	l, err := c.src.LatestHeight(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("lightclient: latest height: %w", err)
	}
	t := time.NewTicker(freshPoll)
	defer t.Stop()
	for {
		h, err := c.src.LatestHeight(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("lightclient: latest height: %w", err)
		}
		if h > l {
			break
		}
		select {
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("lightclient: waiting for header %d, which proves the node's state at %d (is the chain producing blocks?): %w", l+1, l, ctx.Err())
		case <-t.C:
		}
	}
	next, err := c.verifyAtLeast(ctx, l+1, true)
	if err != nil {
		return nil, 0, err
	}
	return c.statesBelow(ctx, next, keys)
}

// freshPoll is how often FreshStates asks for the next header, and
// freshWait how long it waits for it.
const (
	freshPoll = 50 * time.Millisecond
	freshWait = time.Minute
)

// statesBelow reads keys in the state whose AppHash next carries.
func (c *Client) statesBelow(ctx context.Context, next *types.LightBlock, keys [][]byte) ([][]byte, int64, error) {
	var err error
	h := next.Height - 1
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if out[i], err = c.stateAt(ctx, k, h, next); err != nil {
			return nil, h, err
		}
	}
	return out, h, nil
}

// stateAt reads key after block h and checks it against next's AppHash.
func (c *Client) stateAt(ctx context.Context, key []byte, h int64, next *types.LightBlock) ([]byte, error) {
	value, proof, err := c.src.StateProof(ctx, key, h)
	if err != nil {
		return nil, fmt.Errorf("lightclient: proven read of key %X at height %d: %w", key, h, err)
	}
	v, err := chainsync.VerifyStoreProof(next.AppHash, key, value, proof)
	if err != nil {
		return nil, fmt.Errorf("lightclient: proven read of key %X at height %d (AppHash of verified header %d): %w", key, h, next.Height, err)
	}
	return v, nil
}
