package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

func newContractCmd(g *globals) *cobra.Command {
	return newSignersCmd(&cobra.Command{
		Use:   "contract",
		Short: "Upload, instantiate, command and query confidential contracts",
		Long: `Confidential contracts are JavaScript or TypeScript modules that run inside the
TEE workers of a cluster. Commands are sealed to the contract's key on this
machine before they are sent; only the caller can open the output. Queries go
straight to a worker, signed by your key and sealed to the worker.

See docs/contracts.md for the contract API and the examples in examples/contracts.`,
	}, signsUsage, func(from *string) []*cobra.Command {
		return []*cobra.Command{
			newContractUploadCmd(g, from),
			newContractInstantiateCmd(g, from),
			newContractExecCmd(g, from),
			newContractQueryCmd(g, from),
			newContractUpgradeCmd(g, from),
			newContractInfoCmd(g),
		}
	})
}

// contractCall is what exec and query both start from: the contract, the
// JSON argument, the caller's key and a client.
type contractCall struct {
	id      [32]byte
	payload json.RawMessage
	key     ed25519.PrivateKey
	client  *client.Client
}

func (g *globals) contractCall(from string, args []string, what string) (*contractCall, error) {
	id, err := parseHex32(args[0], "contract id")
	if err != nil {
		return nil, err
	}
	payload, err := parseJSONArg(args[1], what)
	if err != nil {
		return nil, err
	}
	key, c, err := g.signer(from)
	if err != nil {
		return nil, err
	}
	return &contractCall{id: id, payload: payload, key: key, client: c}, nil
}

func newContractUploadCmd(g *globals, from *string) *cobra.Command {
	return &cobra.Command{
		Use:     "upload FILE",
		Short:   "Bundle a .ts or .js contract with esbuild (in-process) and store it on chain by its SHA-256",
		Example: "  phala contract upload examples/contracts/token/token.ts --from alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractUpload(cmd.Context(), g, *from, args)
		},
	}
}

func runContractUpload(ctx context.Context, g *globals, from string, args []string) error {
	code, err := g.bundled(args[0])
	if err != nil {
		return err
	}
	up, err := g.uploadCode(ctx, from, code)
	if err != nil {
		return err
	}
	hash, res := up.hash, up.res
	out := map[string]any{"code_hash": hex.EncodeToString(hash[:]), "size": len(code), "height": res.Height, "tx": res.Hash}
	return g.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "code %x (%d bytes) stored in block %d\n", hash, len(code), res.Height)
	})
}

// uploaded is code that a key stored on chain, with the key and the client
// that stored it for the messages that use the code next.
type uploaded struct {
	key    ed25519.PrivateKey
	client *client.Client
	hash   [32]byte
	res    *client.Committed
}

// uploadCode stores code on chain, signed by the key named by from.
func (g *globals) uploadCode(ctx context.Context, from string, code []byte) (*uploaded, error) {
	key, c, err := g.signer(from)
	if err != nil {
		return nil, err
	}
	if p, err := c.ContractParams(ctx); err == nil && len(code) > p.MaxCodeSize {
		return nil, fmt.Errorf("the bundled code is %d bytes; the chain's max_code_size is %d: make it smaller", len(code), p.MaxCodeSize)
	}
	hash, res, err := c.UploadCode(ctx, key, code)
	if err != nil {
		return nil, err
	}
	return &uploaded{key: key, client: c, hash: hash, res: res}, nil
}

// instantiateFlags are the flags of "phala contract instantiate".
type instantiateFlags struct {
	cluster, args string
	upgradable    bool
}

func newContractInstantiateCmd(g *globals, from *string) *cobra.Command {
	var f instantiateFlags
	cmd := &cobra.Command{
		Use:     "instantiate CODE_HASH --cluster CLUSTER_ID",
		Short:   "Create a contract from stored code in a cluster; its constructor runs with --args (public JSON)",
		Example: `  phala contract instantiate 5d1f...a0 --cluster 9c1e...04 --args '{"supply":1000}' --from alice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractInstantiate(cmd.Context(), g, *from, &f, args)
		},
	}
	cmd.Flags().StringVar(&f.cluster, "cluster", "", "cluster id to run the contract in (see: phala query clusters)")
	cmd.Flags().StringVar(&f.args, "args", "", "constructor arguments as JSON; public on chain")
	cmd.Flags().BoolVar(&f.upgradable, "upgradable", false, "let the owner upgrade the code later")
	return cmd
}

func runContractInstantiate(ctx context.Context, g *globals, from string, f *instantiateFlags, args []string) error {
	code, err := parseHex32(args[0], "code hash")
	if err != nil {
		return err
	}
	cl, err := parseHex32(f.cluster, "--cluster")
	if err != nil {
		return err
	}
	a, err := parseJSONArg(f.args, "--args")
	if err != nil {
		return err
	}
	key, c, err := g.signer(from)
	if err != nil {
		return err
	}
	id, res, err := c.Instantiate(ctx, key, code, cl, a, f.upgradable)
	if err != nil {
		return err
	}
	out := map[string]any{"contract": hex.EncodeToString(id[:]), "height": res.Height, "tx": res.Hash}
	return g.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "contract %x created in block %d\n", id, res.Height)
	})
}

// execFlags are the flags of "phala contract exec".
type execFlags struct {
	gas  uint64
	wait time.Duration
}

func newContractExecCmd(g *globals, from *string) *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec CONTRACT_ID JSON",
		Short: "Seal a command to the contract's key, send it, and print the output once a replica posts it",
		Example: `  phala contract exec 81a3...9e '{"transfer":{"to":"pha1...","amount":5}}' --from alice
  phala contract exec 81a3...9e '"ping"' --from alice --wait 0   # do not wait for the result`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractExec(cmd.Context(), g, *from, &f, args)
		},
	}
	cmd.Flags().Uint64Var(&f.gas, "gas", 0, "gas limit for this command (default: the chain's per-command limit)")
	cmd.Flags().DurationVar(&f.wait, "wait", 30*time.Second, "how long to wait for the result; 0 returns once the command is on chain")
	return cmd
}

func runContractExec(ctx context.Context, g *globals, from string, f *execFlags, args []string) error {
	cc, err := g.contractCall(from, args, "the command")
	if err != nil {
		return err
	}
	c := cc.client
	sent, err := c.Exec(ctx, cc.key, cc.id, cc.payload, f.gas)
	if err != nil {
		return err
	}
	if f.wait <= 0 {
		out := map[string]any{"contract": args[0], "input": sent.Input, "height": sent.Height, "tx": sent.Hash}
		return g.print(out, func(w io.Writer) {
			fmt.Fprintf(w, "command queued as input %d in block %d\n", sent.Input, sent.Height)
		})
	}
	ctx, cancel := context.WithTimeout(ctx, f.wait)
	defer cancel()
	r, err := c.WaitResult(ctx, sent)
	if err != nil {
		return err
	}
	if err := g.print(r, func(w io.Writer) { printResult(w, r) }); err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("command failed: %s", r.Error)
	}
	return nil
}

func newContractQueryCmd(g *globals, from *string) *cobra.Command {
	var worker string
	cmd := &cobra.Command{
		Use:     "query CONTRACT_ID JSON",
		Short:   "Send a signed query sealed to a worker of the contract's cluster and print its answer",
		Example: `  phala contract query 81a3...9e '{"balance":"pha1..."}' --from alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractQuery(cmd.Context(), g, *from, worker, args)
		},
	}
	cmd.Flags().StringVar(&worker, "worker", "", "worker id to ask (default: the first member holding the cluster key)")
	return cmd
}

func runContractQuery(ctx context.Context, g *globals, from, worker string, args []string) error {
	var w [32]byte
	if worker != "" {
		wid, err := registry.ParseWorkerID(worker)
		if err != nil {
			return err
		}
		w = [32]byte(wid)
	}
	cc, err := g.contractCall(from, args, "the query")
	if err != nil {
		return err
	}
	r, err := cc.client.QueryContract(ctx, cc.key, cc.id, cc.payload, w)
	if err != nil {
		return err
	}
	if err := g.print(r, func(w io.Writer) {
		if r.OK {
			fmt.Fprintf(w, "%s\n", r.Value)
		} else {
			fmt.Fprintf(w, "query failed: %s\n", r.Error)
		}
	}); err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("query failed")
	}
	return nil
}

func newContractUpgradeCmd(g *globals, from *string) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use:     "upgrade CONTRACT_ID CODE_HASH",
		Short:   "Switch an upgradable contract to other stored code; the code's migrate() runs in order with commands",
		Example: "  phala contract upgrade 81a3...9e 77c0...12 --from alice",
		Args:    cobra.ExactArgs(2),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		id, err := parseHex32(args[0], "contract id")
		if err != nil {
			return nil, err
		}
		code, err := parseHex32(args[1], "code hash")
		if err != nil {
			return nil, err
		}
		return &contracts.MsgUpgrade{Contract: id, Code: code}, nil
	}, g.reportf("upgrade queued in block %d\n"))
}

func newContractInfoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "info [CONTRACT_ID]",
		Short:   "Show a contract's record (owner, cluster, code versions, keys, inputs and results), or list all",
		Example: "  phala contract info 81a3...9e --output json\n  phala contract info",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractInfo(cmd.Context(), g, args)
		},
	}
}

// contractView is what "phala contract info CONTRACT_ID" prints.
type contractView struct {
	contracts.Contract
	Diverged []contracts.Divergence `json:"diverged"`
}

func runContractInfo(ctx context.Context, g *globals, args []string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return printListOf(ctx, g, c, (*client.Client).Contracts, "", func(w io.Writer, ct contracts.Contract) {
			fmt.Fprintf(w, "%x  owner %s  cluster %x  inputs %d  results %d\n", []byte(ct.ID), ct.Owner, []byte(ct.Cluster), ct.Inputs, ct.Results)
		})
	}
	id, err := parseHex32(args[0], "contract id")
	if err != nil {
		return err
	}
	ct, err := c.Contract(ctx, id)
	if err != nil {
		return err
	}
	div, err := c.ContractDivergences(ctx, id)
	if err != nil {
		return err
	}
	out := contractView{ct, div}
	return g.print(out, func(w io.Writer) { printContract(w, &out) })
}

func printContract(w io.Writer, v *contractView) {
	ct := &v.Contract
	fmt.Fprintf(w, "contract   %x\nowner      %s\ncluster    %x\ncode       %x\nupgradable %v\nkey epoch  %d\ninputs     %d\nresults    %d\n",
		[]byte(ct.ID), ct.Owner, []byte(ct.Cluster), []byte(ct.Code), ct.Upgradable, ct.KeyEpoch, ct.Inputs, ct.Results)
	if len(ct.ECDHKey) > 0 {
		fmt.Fprintf(w, "ecdh key   %x\nsign key   %x\n", []byte(ct.ECDHKey), []byte(ct.SignKey))
	} else {
		fmt.Fprintln(w, "keys       not published for the current epoch yet")
	}
	for _, ver := range ct.Versions {
		fmt.Fprintf(w, "version    %x from input %d (block %d)\n", []byte(ver.Code), ver.FromInput, ver.Height)
	}
	for _, d := range v.Diverged {
		fmt.Fprintf(w, "DIVERGED   worker %x at input %d (block %d)\n", []byte(d.Worker), d.Input, d.Height)
	}
}

func printResult(w io.Writer, r *client.CommandResult) {
	if r.OK {
		fmt.Fprintf(w, "input %d ok (gas %d, block %d)\n", r.Input, r.Gas, r.Height)
		if len(r.Output.Value) > 0 {
			fmt.Fprintf(w, "output: %s\n", r.Output.Value)
		}
		for _, e := range r.Output.Events {
			fmt.Fprintf(w, "event:  %s\n", e)
		}
		return
	}
	fmt.Fprintf(w, "input %d failed: %s\n", r.Input, r.Error)
	if r.Output.Error != "" {
		fmt.Fprintf(w, "detail: %s\n", r.Output.Error)
	}
}
