package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

func newQueryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "query",
		Aliases: []string{"q"},
		Short:   "Read chain state through a node",
		Long: `Read chain state through a node.

balance, account and worker read their record with a Merkle proof checked
against headers the client's light client verified from the trusted root in
the client home (--trust-height/--trust-hash, or trust on first use), so a
lying node is refused, naming the proof check. The others (supply, tx,
block, workers, keys, clusters) are lists or computed views that no single
proof covers: they print the node's answer and say so on stderr.`,
	}
	cmd.AddCommand(newQueryBalanceCmd(g, "balance"), newQueryBalanceCmd(g, "account"),
		newQuerySupplyCmd(g), newQueryTxCmd(g), newQueryBlockCmd(g),
		newQueryWorkersCmd(g), newQueryWorkerCmd(g), newQueryKeysCmd(g), newQueryClustersCmd(g))
	return cmd
}

// queryKeyring opens the keyring only to turn a key name into an address;
// a query never needs a passphrase.
func (g *globals) queryKeyring() (*keyring.Keyring, error) {
	return keyring.Open(g.keyringHome(), g.keyringBackend, func(string, bool) ([]byte, error) {
		return nil, fmt.Errorf("a query never needs a passphrase")
	})
}

func newQueryBalanceCmd(g *globals, use string) *cobra.Command {
	short := map[string]string{
		"balance": "Show the PHA balance of an address",
		"account": "Show the balance and next nonce of an address",
	}[use]
	return &cobra.Command{
		Use:     use + " ADDRESS",
		Short:   short,
		Example: fmt.Sprintf("  phala query %s pha1... --node http://127.0.0.1:26657 --output json", use),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(g.queryKeyring, args[0])
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			acct, _, err := c.ProvenAccount(cmd.Context(), addr)
			if err != nil {
				return err
			}
			if use == "balance" {
				out := struct {
					Address string     `json:"address"`
					Balance pha.Amount `json:"balance"`
					PHA     string     `json:"balance_pha"`
				}{addr.String(), acct.Balance, acct.Balance.PHA()}
				return g.print(out, func(w io.Writer) { fmt.Fprintln(w, acct.Balance.PHA()) })
			}
			return g.print(acct, func(w io.Writer) {
				fmt.Fprintf(w, "address: %s\nbalance: %s\nnonce:   %d\n", addr, acct.Balance.PHA(), acct.Nonce)
			})
		},
	}
}

func newQuerySupplyCmd(g *globals) *cobra.Command {
	return newShowCmd(g, "query", "supply", "Show the total, treasury, subsidy-pool, staked and circulating PHA",
		unproven(g, "the supply", (*client.Client).Supply), printSupply)
}

func printSupply(w io.Writer, s *balances.SupplyResponse) {
	fmt.Fprintf(w, "total:               %s\ntreasury:            %s\ncomputation subsidy: %s\nstaked:              %s\ncirculating:         %s\n",
		s.Total.PHA(), s.Treasury.PHA(), s.Subsidy.PHA(), s.Staked.PHA(), s.Circulating.PHA())
}

// txView is how a transaction prints.
type txView struct {
	Hash   string   `json:"hash"`
	Height int64    `json:"height"`
	Code   uint32   `json:"code"`
	Space  string   `json:"codespace,omitempty"`
	Log    string   `json:"log,omitempty"`
	Sender string   `json:"sender"`
	Nonce  uint64   `json:"nonce"`
	Fee    string   `json:"fee"`
	Memo   string   `json:"memo,omitempty"`
	Msgs   []string `json:"msgs"`
}

func newQueryTxCmd(g *globals) *cobra.Command {
	return newFetchByCmd(g, "tx HASH", "Show a committed transaction and its result",
		"  phala query tx 3F2A...E1 --output json", parseTxHash, fetchTx, printTx)
}

// parseTxHash reads a transaction hash: 64 hex characters, 0x or not.
func parseTxHash(s string) ([]byte, error) {
	hash, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(hash) != 32 {
		return nil, fmt.Errorf("tx hash must be 64 hex characters, got %q", s)
	}
	return hash, nil
}

// fetchTx looks a committed transaction up by hash, checked against
// verified headers (client.ProvenTx), and decodes it.
func fetchTx(c *client.Client, ctx context.Context, hash []byte) (txView, error) {
	res, err := c.ProvenTx(ctx, hash)
	if err != nil {
		return txView{}, err
	}
	v := txView{Hash: fmt.Sprintf("%X", hash), Height: res.Height, Code: res.TxResult.Code, Space: res.TxResult.Codespace, Log: res.TxResult.Log}
	if t, err := tx.Decode(txRegistry(), res.Tx); err == nil {
		v.Sender, v.Nonce, v.Fee, v.Memo = t.Sender().String(), t.Nonce, t.Fee.PHA(), t.Memo
		for _, m := range t.Msgs {
			v.Msgs = append(v.Msgs, describeMsg(m))
		}
	}
	return v, nil
}

func printTx(w io.Writer, v *txView) {
	status := "ok"
	if v.Code != 0 {
		// The code is proven; the codespace and log are the node's text.
		status = fmt.Sprintf("failed (%s/%d): %s", v.Space, v.Code, v.Log)
	}
	fmt.Fprintf(w, "hash:   %s\nheight: %d\nresult: %s\nsender: %s\nnonce:  %d\nfee:    %s\n", v.Hash, v.Height, status, v.Sender, v.Nonce, v.Fee)
	for _, m := range v.Msgs {
		fmt.Fprintf(w, "msg:    %s\n", m)
	}
}

func txRegistry() *tx.Registry { return app.NewRegistry() }

func describeMsg(m tx.Msg) string {
	body, _ := json.Marshal(m)
	return m.Type() + " " + string(body)
}

type blockView struct {
	Height   int64     `json:"height"`
	Hash     string    `json:"hash"`
	Time     time.Time `json:"time"`
	Proposer string    `json:"proposer"`
	AppHash  string    `json:"app_hash"`
	Txs      []string  `json:"txs"`
}

func newQueryBlockCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "block [HEIGHT]",
		Short:   "Show a block (the latest without HEIGHT)",
		Example: "  phala query block 42 --output json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64 // 0: the latest
			if len(args) == 1 {
				v, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || v < 1 {
					return fmt.Errorf("height must be a positive integer, got %q", args[0])
				}
				h = v
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			res, err := c.ProvenBlock(cmd.Context(), h)
			if err != nil {
				return err
			}
			b := res.Block
			v := blockView{Height: b.Height, Hash: res.BlockID.Hash.String(), Time: b.Time, Proposer: b.ProposerAddress.String(), AppHash: b.AppHash.String(), Txs: []string{}}
			for _, t := range b.Txs {
				v.Txs = append(v.Txs, fmt.Sprintf("%X", t.Hash()))
			}
			return g.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "height:   %d\nhash:     %s\ntime:     %s\nproposer: %s\napp hash: %s\ntxs:      %d\n", v.Height, v.Hash, v.Time.Format(time.RFC3339), v.Proposer, v.AppHash, len(v.Txs))
				for _, t := range v.Txs {
					fmt.Fprintf(w, "  %s\n", t)
				}
			})
		},
	}
}

func newQueryWorkersCmd(g *globals) *cobra.Command {
	return newListCmd(g, "query", "workers", "List registered TEE workers", unproven(g, "the worker list", (*client.Client).Workers), "no workers registered",
		func(w io.Writer, wk registry.Worker) {
			fmt.Fprintf(w, "%s  %-7s  P=%-8d  registered at %d  %s\n", wk.ID, wk.TEE, wk.BenchmarkScore, wk.RegisteredHeight, wk.Endpoint)
		})
}

func newQueryWorkerCmd(g *globals) *cobra.Command {
	return newFetchByCmd(g, "worker ID", "Show one worker's record: keys, TEE, measurement, benchmark, endpoint",
		"  phala query worker 5f1c...e2 --output json", registry.ParseWorkerID, (*client.Client).ProvenWorker, func(w io.Writer, wk *registry.Worker) {
			fmt.Fprintf(w, "id:          %s\ntee:         %s\nmeasurement: %x\noperator:    %s\necdh key:    %x\nbenchmark P: %d\nregistered:  height %d (attested at %d)\nendpoint:    %s\nfeatures:    %v\n",
				wk.ID, wk.TEE, []byte(wk.Measurement), wk.Operator, []byte(wk.ECDHKey), wk.BenchmarkScore, wk.RegisteredHeight, wk.AttestedHeight, wk.Endpoint, wk.Features)
		})
}
