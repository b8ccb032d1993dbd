package cli

import (
	"context"
	"fmt"
	"io"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/spf13/cobra"
)

func newEVMStatusCmd(g *globals, f *evmFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Show the anchor: its master EVM key and generation against the chain's, its requests",
		Example: "  phala evm status\n  phala evm status --anchor 0x5FbDB2315678afecb367f032d93F642f64180aa3 --evm-rpc http://127.0.0.1:8545 -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEVMStatus(cmd.Context(), g, f)
		},
	}
}

// evmStatus is what phala evm status shows.
type evmStatus struct {
	Anchor       string   `json:"anchor"`
	ChainID      *big.Int `json:"evm_chain_id"`
	Master       string   `json:"master_signer"`
	Generation   uint64   `json:"generation"`
	ChainGen     *uint64  `json:"chain_generation,omitempty"`
	Agent        string   `json:"agent"`
	Requests     uint64   `json:"requests"`
	LastAnswered uint64   `json:"last_answered"`
}

func runEVMStatus(ctx context.Context, g *globals, f *evmFlags) error {
	conn, addr, a, err := g.openAnchor(ctx, f)
	if err != nil {
		return err
	}
	defer conn.ec.Close()
	call := &bind.CallOpts{Context: ctx}
	st := evmStatus{Anchor: addr.Hex(), ChainID: conn.chainID}
	master, err := a.MasterSigner(call)
	if err != nil {
		return fmt.Errorf("anchor %s: %w", addr.Hex(), err)
	}
	st.Master = master.Hex()
	if st.Generation, err = a.Generation(call); err != nil {
		return fmt.Errorf("anchor %s: %w", addr.Hex(), err)
	}
	agent, err := a.Agent(call)
	if err != nil {
		return fmt.Errorf("anchor %s: %w", addr.Hex(), err)
	}
	st.Agent = fmt.Sprintf("%x", agent)
	next, err := a.NextRequestId(call)
	if err != nil {
		return fmt.Errorf("anchor %s: %w", addr.Hex(), err)
	}
	st.Requests = next.Uint64() - 1
	last, err := a.LastAnswered(call)
	if err != nil {
		return fmt.Errorf("anchor %s: %w", addr.Hex(), err)
	}
	st.LastAnswered = last.Uint64()
	if c, err := g.client(); err == nil {
		if ks, err := c.KeyState(ctx); err == nil && ks.Generation != nil {
			st.ChainGen = &ks.Generation.Number
		}
	}
	return g.print(st, func(w io.Writer) {
		fmt.Fprintf(w, "anchor        %s (evm chain %s)\nagent         %s\nmaster        %s, generation %d\n", st.Anchor, st.ChainID, st.Agent, st.Master, st.Generation)
		if st.ChainGen != nil && *st.ChainGen != st.Generation {
			fmt.Fprintf(w, "              behind the chain's generation %d: a bridging worker rotates it\n", *st.ChainGen)
		}
		fmt.Fprintf(w, "requests      %d (last answered: %d)\n", st.Requests, st.LastAnswered)
	})
}
