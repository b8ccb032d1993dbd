package cli

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/gateway"
	"github.com/phalanetwork/phala/pruntime"
)

// callFlags are the flags of "phala agent call".
type callFlags struct {
	method, data, save string
	seal               bool
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
versions. Any failure names the binding that failed, and the call fails.`,
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
	cmd.Flags().BoolVar(&f.seal, "seal", false, "seal method, path and body to the agent's key and the answer to a one-time key: the gateway sees only ciphertext")
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
	r, err := call(ctx, key, af.gateway, id, m, path, []byte(f.data))
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
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return err
	}
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	parts, err := fetchLogParts(ctx, af.gateway, args[0], chainID, id, key, reply)
	if err != nil {
		return err
	}
	lines, err := openLogParts(g.errOut, parts, reply)
	if err != nil {
		return err
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	return g.print(lines, func(w io.Writer) {
		for _, l := range lines {
			fmt.Fprintf(w, "%s %-5s %s\n", l.Time.Format(time.RFC3339), l.Level, l.Text)
		}
	})
}

// fetchLogParts asks the gateway for the agent's log, signed by key, with
// reply's public key for the workers to seal their parts to.
func fetchLogParts(ctx context.Context, gatewayURL, agent, chainID string, id [32]byte, key ed25519.PrivateKey, reply *ecdh.PrivateKey) ([]gateway.LogPart, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(gatewayURL, "/")+"/agents/"+agent+"/_logs", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(agentio.HeaderReplyKey, hex.EncodeToString(reply.PublicKey().Bytes()))
	// Every worker of the cluster is asked for its part, so the request
	// names no one worker (the zero id); the parts are sealed to reply.
	agentio.SignRequest(req, chainID, id, [32]byte{}, nil, key, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("logs: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	// The gateway gathers each worker's part, sealed to our key.
	var parts []gateway.LogPart
	if err := json.Unmarshal(body, &parts); err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	return parts, nil
}

// openLogParts opens each worker's sealed part with reply; a worker that
// failed is reported on errOut, unless it refused the caller.
func openLogParts(errOut io.Writer, parts []gateway.LogPart, reply *ecdh.PrivateKey) ([]pruntime.LogLine, error) {
	var lines []pruntime.LogLine
	for _, p := range parts {
		if p.Status != http.StatusOK {
			if p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized {
				return nil, fmt.Errorf("logs: %s", strings.TrimSpace(string(p.Body)))
			}
			fmt.Fprintf(errOut, "worker %s: %d %s\n", p.Endpoint, p.Status, strings.TrimSpace(string(p.Body)))
			continue
		}
		env, err := envelope.Decode(p.Body)
		if err != nil {
			return nil, err
		}
		plain, err := envelope.Open(reply, envelope.PurposeAgentLog, env)
		if err != nil {
			return nil, err
		}
		var part []pruntime.LogLine
		if err := json.Unmarshal(plain, &part); err != nil {
			return nil, err
		}
		lines = append(lines, part...)
	}
	return uniqueLines(lines), nil
}

// uniqueLines drops lines that another worker's part also has: the log is
// replicated, so every member answers the same lines.
func uniqueLines(lines []pruntime.LogLine) []pruntime.LogLine {
	seen := map[pruntime.LogLine]bool{}
	out := lines[:0]
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
