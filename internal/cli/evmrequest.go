package cli

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/evm/bindings"
)

func newEVMRequestCmd(g *globals, f *evmFlags) *cobra.Command {
	var blocks uint64
	var value string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "request PAIR",
		Short: "Ask the PriceOracle anchor's agent (ask(PAIR)) and wait for the answer to land",
		Long: `Send ask(PAIR, --blocks) to the anchor from the EVM account (default the
devnet's "requester"), paying --value wei to the relayer that answers, and
wait up to --wait for the answer (0: do not wait).`,
		Example: "  phala evm request ETH/USD\n  phala evm request BTC/USD --blocks 100 --value 1000000000000000 --wait 2m",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEVMRequest(cmd.Context(), g, f, args[0], blocks, value, wait)
		},
	}
	cmd.Flags().Uint64Var(&blocks, "blocks", 60, "blocks the request stays open (then the requester may refund it)")
	cmd.Flags().StringVar(&value, "value", "0", "payment in wei to the relayer of the answer")
	cmd.Flags().DurationVar(&wait, "wait", time.Minute, "how long to wait for the answer")
	return cmd
}

func runEVMRequest(ctx context.Context, g *globals, f *evmFlags, pair string, blocks uint64, value string, wait time.Duration) error {
	pay, ok := new(big.Int).SetString(value, 10)
	if !ok || pay.Sign() < 0 {
		return fmt.Errorf("--value %q is not a wei amount", value)
	}
	conn, addr, a, err := g.openAnchor(ctx, f)
	if err != nil {
		return err
	}
	defer conn.ec.Close()
	from, err := g.evmSigner(ctx, f, conn, "requester")
	if err != nil {
		return err
	}
	from.Value = pay
	tx, err := a.Ask(from, pair, blocks)
	r, err := evmMined(ctx, conn, "ask", tx, err)
	if err != nil {
		return err
	}
	var id *big.Int
	for _, l := range r.Logs {
		if ev, err := a.ParseAgentRequest(*l); err == nil {
			id = ev.Id
		}
	}
	if id == nil {
		return fmt.Errorf("ask: no AgentRequest in transaction %s", tx.Hash().Hex())
	}
	fmt.Fprintf(g.errOut, "request %s sent to %s in block %d\n", id, addr.Hex(), r.BlockNumber)
	out := map[string]any{"anchor": addr.Hex(), "id": id.String(), "block": r.BlockNumber.Uint64()}
	if wait > 0 {
		ans, err := evmAwaitAnswer(ctx, a, id, wait)
		if err != nil {
			return err
		}
		out["answer"] = string(ans)
	}
	return g.print(out, func(w io.Writer) {
		if ans, ok := out["answer"]; ok {
			fmt.Fprintf(w, "request %s: %s\n", id, ans)
			return
		}
		fmt.Fprintf(w, "request %s\n", id)
	})
}

// evmAwaitAnswer polls the anchor until request id is answered.
func evmAwaitAnswer(ctx context.Context, a *bindings.PriceOracle, id *big.Int, wait time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		req, err := a.Requests(&bind.CallOpts{Context: ctx}, id)
		if err == nil && req.Status == 2 {
			return a.Answers(&bind.CallOpts{Context: ctx}, id)
		}
		if err == nil && req.Status == 3 {
			return nil, fmt.Errorf("request %s was refunded unanswered", id)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("request %s: no answer within %s (phala evm status; the bridging workers' logs)", id, wait)
		case <-t.C:
		}
	}
}
