package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/pha"
)

// callFlags are the flags of "phala agent call".
type callFlags struct {
	method, data, save string
	seal               bool
	maxHopPrice        string
}

func newAgentCallCmd(g *globals, af *agentFlags) *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:   "call AGENT_ID [PATH]",
		Short: "Call an agent through the gateway with a request signed by --from, and verify the signed answer",
		Long: `Call an agent through the gateway with a request signed by --from, then
verify the answer: the worker's signature, that it answers the request sent
(its hash) with the response received (status, content headers, body), and,
with reads proven against headers the light client verified, that the worker
is registered and attested, a member of the agent's cluster at the answer's
key epoch, and that the code hash that answered is one of the agent's
versions. Any failure names the binding that failed, and the call fails.

With --seal the method, path, query and body are sealed to the agent's
key and the answer to a one-time key of this call: the gateway and the
worker's host carry only ciphertext. Without it they travel in the clear,
which --save needs (a saved answer is checked by others).`,
		Example: `  phala agent call 81a3...9e /chat --data '{"q":"hi"}' --from bob
  phala agent call 81a3...9e / --from bob --save answer.json && phala verify answer.json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentCall(cmd.Context(), g, af, &f, args)
		},
	}
	cmd.Flags().StringVarP(&f.method, "method", "X", "", "HTTP method (default GET, or POST with --data)")
	cmd.Flags().StringVarP(&f.data, "data", "d", "", "request body")
	cmd.Flags().StringVar(&f.save, "save", "", "save the request and the signed answer to FILE for phala verify")
	cmd.Flags().BoolVar(&f.seal, "seal", false, "seal method, path and body to the agent's key and the answer to a one-time key, so the gateway and the worker's host see only ciphertext (not with --save)")
	cmd.Flags().StringVar(&f.maxHopPrice, "max-hop-price", "", "the most the agents this agent calls (agents.call) may charge you in all, e.g. 2PHA (default: none; only free agents)")
	return cmd
}

func runAgentCall(ctx context.Context, g *globals, af *agentFlags, f *callFlags, args []string) error {
	id, err := parseHex32(args[0], "agent id")
	if err != nil {
		return err
	}
	path := "/"
	if len(args) == 2 {
		path = args[1]
	}
	m := f.method
	if m == "" {
		m = http.MethodGet
		if f.data != "" {
			m = http.MethodPost
		}
	}
	key, c, err := g.signer(af.from)
	if err != nil {
		return err
	}
	if f.seal && f.save != "" {
		return fmt.Errorf("--save keeps the signed bytes for phala verify, and a sealed answer's signature covers its ciphertext: call without --seal to save it")
	}
	call := c.CallAgent
	if f.seal {
		call = c.CallAgentSealed
	}
	var opts []client.CallOption
	if f.maxHopPrice != "" {
		max, err := pha.Parse(f.maxHopPrice)
		if err != nil {
			return fmt.Errorf("--max-hop-price: %w", err)
		}
		opts = append(opts, client.MaxHopPrice(max))
	}
	r, err := call(ctx, key, af.gateway, id, m, path, []byte(f.data), opts...)
	if err != nil {
		return err
	}
	if f.save != "" {
		if err := saveAnswer(ctx, f.save, c, r); err != nil {
			return err
		}
	}
	v := r.Verified
	out := map[string]any{"status": r.Status, "body": string(r.Body), "worker": hex.EncodeToString(r.Answer.Worker[:]),
		"cluster": hex.EncodeToString(r.Answer.Cluster[:]), "epoch": r.Answer.Epoch, "code": hex.EncodeToString(r.Answer.Code[:]),
		"current_code": v.Current, "request": hex.EncodeToString(r.Answer.Request[:]), "verified_height": v.Height, "signature": "ok"}
	return g.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "%s\n", r.Body)
		fmt.Fprintf(g.errOut, "status %d, answered by worker %x of cluster %x (epoch %d), code %x%s; signature, request, response and chain records verified at height %d\n",
			r.Status, r.Answer.Worker, r.Answer.Cluster[:8], r.Answer.Epoch, r.Answer.Code[:8], codeNote(v.Current), v.Height)
	})
}

// codeNote says when the code that answered is an older version.
func codeNote(current bool) string {
	if current {
		return " (current)"
	}
	return " (an older version of the agent)"
}

// saveAnswer writes what phala verify needs: the request as sent (content
// headers only: the caller's signature headers are left out, so the file
// cannot be replayed) and the signed response.
func saveAnswer(ctx context.Context, file string, c *client.Client, r *client.AgentResponse) error {
	req := r.Request
	req.Header = agentio.HeaderOf(contentHeaderMap(req.Header))
	return saveExchange(ctx, c, file, SavedResponse{Request: &req, Status: r.Status, Headers: r.Header, Body: r.Body})
}

// contentHeaderMap is h's content-bearing headers (what RequestHash covers).
func contentHeaderMap(h http.Header) map[string]string {
	m := map[string]string{}
	for _, kv := range agentio.ContentHeaders(h) {
		m[kv[0]] = kv[1]
	}
	return m
}

func newAgentLogsCmd(g *globals, af *agentFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "logs AGENT_ID",
		Short:   "Read the agent's console log: only the owner may, and it comes sealed to a one-time key",
		Example: "  phala agent logs 81a3...9e --from alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentLogs(cmd.Context(), g, af, args)
		},
	}
}

func runAgentLogs(ctx context.Context, g *globals, af *agentFlags, args []string) error {
	id, err := parseHex32(args[0], "agent id")
	if err != nil {
		return err
	}
	key, c, err := g.signer(af.from)
	if err != nil {
		return err
	}
	logs, err := c.AgentLogs(ctx, key, af.gateway, id)
	if err != nil {
		return err
	}
	for _, f := range logs.Failed {
		fmt.Fprintln(g.errOut, f)
	}
	return g.print(logs.Lines, func(w io.Writer) {
		for _, l := range logs.Lines {
			fmt.Fprintf(w, "%s %-5s %s\n", l.Time.Format(time.RFC3339), l.Level, l.Text)
		}
	})
}
