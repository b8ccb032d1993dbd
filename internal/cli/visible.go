package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/client"
)

// workersWait bounds how long an agent command waits for the workers to
// see its transaction before it says what is left to wait for.
const workersWait = 30 * time.Second

// awaitWorkers waits, after a transaction committed in block res.Height
// that the next call depends on (a deposit, an agent's policy, price,
// secrets, an API key), until the node has the next block (the state is
// visible to queries and provable) and every worker that answers has
// verified it (its enclave reads that state); it says on stderr what it
// waits for, and when a worker is not there in time, plainly what is left.
func (g *globals) awaitWorkers(ctx context.Context, c *client.Client, res *client.Committed) error {
	ctx, cancel := context.WithTimeout(ctx, workersWait)
	defer cancel()
	fmt.Fprintf(g.errOut, "committed in block %d; waiting until the workers have verified block %d, so calls see it...\n", res.Height, res.Height+1)
	if err := c.WaitVisible(ctx, res.Height); err != nil {
		return fmt.Errorf("committed in block %d, but the node has not produced block %d yet (%w): calls see the change once it has", res.Height, res.Height+1, err)
	}
	ws, err := c.WaitWorkers(ctx, res.Height)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, w := range ws {
		switch {
		case w.Err != "":
			fmt.Fprintf(g.errOut, "worker %s did not report its height (%s): it serves calls against block %d once its light client has verified block %d\n", w.Worker, w.Err, res.Height, res.Height+1)
		case !w.Sees(res.Height):
			fmt.Fprintf(g.errOut, "worker %s has verified block %d only: it serves calls against this change once it has verified block %d\n", w.Worker, w.Synced, res.Height+1)
		}
	}
	return nil
}

// afterWorkers is a reportFunc that waits for the workers (awaitWorkers)
// and then reports with report (nil: "committed in block N").
func (g *globals) afterWorkers(ctx context.Context, report reportFunc) reportFunc {
	return func(res *client.Committed, args []string) error {
		c, err := g.client()
		if err != nil {
			return err
		}
		if err := g.awaitWorkers(ctx, c, res); err != nil {
			return err
		}
		if report == nil {
			return g.printCommitted(res)
		}
		return report(res, args)
	}
}
