package cli

import (
	"github.com/spf13/cobra"
)

// addWorkerComputeCmds adds `phala worker start-computing` and
// `phala worker stop-computing` to the worker command: aliases of
// `phala pool start` and `phala pool stop`.
func addWorkerComputeCmds(g *globals, worker *cobra.Command) {
	alias := func(target *cobra.Command, from *string, use, short, example string) *cobra.Command {
		target.Use, target.Short, target.Example = use, short, example
		// --from lives on the pool command; the alias has its own.
		fromFlag(target.Flags(), from)
		return target
	}
	var from string
	worker.AddCommand(
		alias(newPoolStartCmd(g, &from), &from, "start-computing POOL WORKER_ID STAKE",
			"Start a worker of a pool computing with STAKE from the pool's free stake (same as phala pool start)",
			"  phala worker start-computing 1 5f1c...e2 2000PHA --from alice"),
		alias(newPoolStopCmd(g, &from), &from, "stop-computing POOL WORKER_ID",
			"Stop a worker computing; its stake returns to the pool after the cool-down (same as phala pool stop)",
			"  phala worker stop-computing 1 5f1c...e2 --from alice"),
	)
}
