package lightclient

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cometbft/cometbft/types"
)

// MaxBackward bounds how many headers Header walks back from the trusted
// root to verify an older one.
const MaxBackward = 10_000

// Header returns the verified header of height: at or above the trusted
// root it verifies forward (moving the root, as VerifyTo does); below the
// root it walks back along the chain of parent hashes, each header naming
// the hash of the one before (the way CometBFT's light client verifies
// backwards), at most MaxBackward headers. The node cannot forge an old
// header without breaking a SHA-256 chain that ends at a header the
// validators signed.
func (c *Client) Header(ctx context.Context, height int64) (*types.Header, error) {
	if height < 1 {
		return nil, fmt.Errorf("%w: height %d", ErrBadHeader, height)
	}
	c.mu.Lock()
	trusted := c.trusted
	c.mu.Unlock()
	if height >= trusted.Height {
		lb, err := c.verifyAtLeast(ctx, height, false)
		if err == nil {
			return lb.Header, nil
		}
		c.mu.Lock()
		trusted = c.trusted
		c.mu.Unlock()
		if height >= trusted.Height {
			return nil, err
		}
		// Another read moved the root past height meanwhile: walk back.
	}
	if trusted.Height-height > MaxBackward {
		return nil, fmt.Errorf("%w: header %d is %d blocks below the trusted root %d; this client walks back at most %d",
			ErrHeaderChain, height, trusted.Height-height, trusted.Height, MaxBackward)
	}
	next := trusted.Header
	for h := trusted.Height - 1; h >= height; h-- {
		lb, err := c.src.LightBlock(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("lightclient: fetch header %d: %w", h, err)
		}
		if lb == nil || lb.Header == nil || lb.Height != h {
			return nil, fmt.Errorf("%w: header %d is missing", ErrBadHeader, h)
		}
		if !bytes.Equal(lb.Header.Hash(), next.LastBlockID.Hash) {
			return nil, fmt.Errorf("%w: parent-hash check failed: header %d hashes to %X, header %d names %X",
				ErrHeaderChain, h, lb.Header.Hash(), h+1, []byte(next.LastBlockID.Hash))
		}
		next = lb.Header
	}
	return next, nil
}
