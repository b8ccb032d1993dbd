package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/bench"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the chain's throughput on this machine",
		Long: `Benchmarks that print numbers and ratios. They start their own throwaway
nodes in a temporary directory and never touch --home.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBenchTransfersCmd(g))
	return cmd
}

func newBenchTransfersCmd(g *globals) *cobra.Command {
	o := bench.Options{}
	cmd := &cobra.Command{
		Use:   "transfers",
		Short: "Committed signed transfers per second through a real one-validator node",
		Long: `Start a one-validator phala node in a temporary directory, submit pre-signed
transfers through its mempool and count those committed in blocks: committed
transfers per second, from the first submission to the commit of the last.

Two ratios put the number in context, both measured in the same run:
  - against CometBFT's kvstore example app (persistent, LevelDB) on the same
    engine and config, with as many txs of the same size;
  - against this machine's limit, 1 / (1/verifs + W/writes): single-core
    ed25519 verifications per second and state writes per second (IAVL on
    LevelDB), with W = 3 state writes per transfer.

The goal is at least 10000 committed transfers/s and at least 0.5 of the limit;
a miss is reported as MISS, not as an error. Progress goes to stderr; node logs
are shown from --log-level warn unless --log-level is given.`,
		Example: `  phala bench transfers
  phala bench transfers --txs 50000 --senders 500 --block-time 500ms
  phala bench transfers --txs 2000 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("log-level") {
				g.logLevel = "warn"
			}
			logger, err := g.logger()
			if err != nil {
				return err
			}
			o.Logger, o.Out = logger, g.errOut
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			r, err := bench.Transfers(ctx, o)
			if err != nil {
				return err
			}
			return g.print(r, func(w io.Writer) { r.WriteText(w) })
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Txs, "txs", bench.DefaultTxs, "number of signed transfers (and of kvstore txs)")
	f.IntVar(&o.Senders, "senders", bench.DefaultSenders, "number of funded sender accounts, used round-robin")
	f.DurationVar(&o.BlockTime, "block-time", bench.DefaultBlockTime, "pause between blocks (timeout_commit), the same for both apps")
	f.IntVar(&o.Submitters, "submitters", 1, "goroutines submitting to the mempool at once, each with its own senders")
	f.DurationVar(&o.MeasureTime, "measure-time", bench.DefaultMeasureTime, "how long each part of the machine limit is measured")
	return cmd
}
