package cli

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/gateway"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
)

func newAgentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Write, run, deploy, call and manage AI agent contracts",
		Long: `AI agents are TypeScript or JavaScript handlers (export default async function
main(request) returning {status, body, headers}; agents written for Phala's
ai-agent-template run unchanged) that run inside TEE workers, with fetch, an
LLM router (llm.chat), agents.call, a KV store and a log only the owner reads.

Start with: phala agent init my-agent && phala agent dev my-agent/agent.ts
See docs/agents.md.`,
	}
	var from, gatewayURL string
	cmd.PersistentFlags().StringVar(&from, "from", "", "key name or address that signs")
	cmd.PersistentFlags().StringVar(&gatewayURL, "gateway", "http://127.0.0.1:8080", "gateway URL (the devnet prints its own)")

	var cluster, policyKind, policyContract, price string
	var allow []string
	policyOf := func() (agents.Policy, error) {
		p := agents.Policy{Kind: policyKind}
		for _, a := range allow {
			ad, err := address.Parse(a)
			if err != nil {
				return p, fmt.Errorf("--allow %q: %w", a, err)
			}
			p.Allow = append(p.Allow, ad)
		}
		if policyContract != "" {
			id, err := parseHex32(policyContract, "--policy-contract")
			if err != nil {
				return p, err
			}
			p.Contract = id[:]
		}
		return p, nil
	}
	deploy := &cobra.Command{
		Use:   "deploy FILE --cluster CLUSTER_ID",
		Short: "Bundle an agent (esbuild, in-process), store its code and create the agent",
		Example: `  phala agent deploy my-agent/agent.ts --cluster 9c1e...04 --policy public --price 0.01PHA --from alice
  phala agent deploy agent.ts --cluster 9c1e...04 --policy allowlist --allow pha1... --from alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := BundleFile(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(g.errOut, "bundled %s: %d KiB; uploading...\n", args[0], (len(code)+1023)/1024)
			cl, err := parseHex32(cluster, "--cluster")
			if err != nil {
				return err
			}
			pol, err := policyOf()
			if err != nil {
				return err
			}
			amount, err := pha.Parse(price)
			if err != nil {
				return fmt.Errorf("--price: %w", err)
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			hash, _, err := c.UploadCode(cmd.Context(), key, code)
			if err != nil {
				return err
			}
			id, res, err := c.DeployAgent(cmd.Context(), key, hash, cl, pol, amount)
			if err != nil {
				return err
			}
			out := map[string]any{"agent": hex.EncodeToString(id[:]), "code_hash": hex.EncodeToString(hash[:]), "height": res.Height}
			return g.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "agent %x deployed in block %d (code %x)\ncall it: phala agent call %x / --from <key> --gateway %s\n", id, res.Height, hash, id, gatewayURL)
			})
		},
	}
	deploy.Flags().StringVar(&cluster, "cluster", "", "cluster to run the agent in (see: phala query clusters)")
	deploy.Flags().StringVar(&policyKind, "policy", agents.PolicyOwner, "who may call: owner, allowlist, public or contract")
	deploy.Flags().StringArrayVar(&allow, "allow", nil, "account allowed to call (with --policy allowlist); repeatable")
	deploy.Flags().StringVar(&policyContract, "policy-contract", "", "confidential contract that decides (with --policy contract)")
	deploy.Flags().StringVar(&price, "price", "0", "price per call paid to you, e.g. 0.01PHA")

	// Owner operations that are one message each.
	ownerOp := func(use, short, example string, nargs int, build func(id [32]byte, args []string) (tx.Msg, error)) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Example: example, Args: cobra.ExactArgs(nargs),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseHex32(args[0], "agent id")
				if err != nil {
					return err
				}
				msg, err := build(id, args[1:])
				if err != nil {
					return err
				}
				res, err := g.sendFrom(cmd.Context(), from, msg)
				if err != nil {
					return err
				}
				return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
			},
		}
	}
	pause := ownerOp("pause AGENT_ID", "Refuse every call until resumed", "  phala agent pause 81a3...9e --from alice", 1,
		func(id [32]byte, _ []string) (tx.Msg, error) {
			return &agents.MsgSetPaused{Agent: id, Paused: true}, nil
		})
	resume := ownerOp("resume AGENT_ID", "Serve calls again", "  phala agent resume 81a3...9e --from alice", 1,
		func(id [32]byte, _ []string) (tx.Msg, error) { return &agents.MsgSetPaused{Agent: id}, nil })
	setPrice := ownerOp("set-price AGENT_ID AMOUNT", "Set the price per call paid to the owner", "  phala agent set-price 81a3...9e 0.5PHA --from alice", 2,
		func(id [32]byte, a []string) (tx.Msg, error) {
			amount, err := pha.Parse(a[0])
			return &agents.MsgSetPrice{Agent: id, Price: amount}, err
		})
	transfer := ownerOp("transfer AGENT_ID NEW_OWNER", "Hand the agent to another account", "  phala agent transfer 81a3...9e pha1... --from alice", 2,
		func(id [32]byte, a []string) (tx.Msg, error) {
			to, err := resolveAddress(g.openKeyring, a[0])
			return &agents.MsgTransfer{Agent: id, NewOwner: to}, err
		})
	setPolicy := ownerOp("set-policy AGENT_ID", "Replace who may call the agent (--policy, --allow, --policy-contract)", "  phala agent set-policy 81a3...9e --policy allowlist --allow pha1... --from alice", 1,
		func(id [32]byte, _ []string) (tx.Msg, error) {
			p, err := policyOf()
			return &agents.MsgSetPolicy{Agent: id, Policy: p}, err
		})
	setPolicy.Flags().StringVar(&policyKind, "policy", agents.PolicyOwner, "owner, allowlist, public or contract")
	setPolicy.Flags().StringArrayVar(&allow, "allow", nil, "account allowed to call; repeatable")
	setPolicy.Flags().StringVar(&policyContract, "policy-contract", "", "confidential contract that decides")

	upgrade := &cobra.Command{
		Use: "upgrade AGENT_ID FILE", Short: "Bundle and store new code and point the agent at it",
		Example: "  phala agent upgrade 81a3...9e my-agent/agent.ts --from alice", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseHex32(args[0], "agent id")
			if err != nil {
				return err
			}
			code, err := BundleFile(args[1])
			if err != nil {
				return err
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			hash, _, err := c.UploadCode(cmd.Context(), key, code)
			if err != nil {
				return err
			}
			res, err := c.Send(cmd.Context(), key, pha.Amount{}, "", &agents.MsgUpgrade{Agent: id, Code: hash})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "agent now runs code %x (block %d)\n", hash, res.Height) })
		},
	}

	secrets := &cobra.Command{Use: "secrets", Short: "Manage an agent's secrets (sealed to the agent's key on this machine)"}
	secrets.AddCommand(&cobra.Command{
		Use:   "set AGENT_ID NAME=VALUE...",
		Short: "Replace the agent's secrets; handlers read them as request.secret.NAME",
		Long: `Replace the agent's secrets with the given NAME=VALUE pairs. They are sealed
to the agent's X25519 key here, before anything leaves this machine; the chain
keeps only the ciphertext and only the agent's enclaves open it. A value of
@FILE reads the value from FILE.`,
		Example: "  phala agent secrets set 81a3...9e OPENAI_API_KEY=@key.txt --from alice",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseHex32(args[0], "agent id")
			if err != nil {
				return err
			}
			vals := map[string]string{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("%q: want NAME=VALUE", kv)
				}
				if f, isFile := strings.CutPrefix(v, "@"); isFile {
					b, err := os.ReadFile(f)
					if err != nil {
						return err
					}
					v = strings.TrimRight(string(b), "\n")
				}
				vals[k] = v
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			res, err := c.SetAgentSecrets(cmd.Context(), key, id, vals)
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "%d secret(s) sealed and stored in block %d\n", len(vals), res.Height)
			})
		},
	})

	var method, data, save string
	var seal bool
	call := &cobra.Command{
		Use:   "call AGENT_ID [PATH]",
		Short: "Call an agent through the gateway with a request signed by --from, and check the worker's signature",
		Example: `  phala agent call 81a3...9e /chat --data '{"q":"hi"}' --from bob
  phala agent call 81a3...9e / --from bob --save answer.json && phala verify answer.json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseHex32(args[0], "agent id")
			if err != nil {
				return err
			}
			path := "/"
			if len(args) == 2 {
				path = args[1]
			}
			m := method
			if m == "" {
				m = http.MethodGet
				if data != "" {
					m = http.MethodPost
				}
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			if seal && save != "" {
				return fmt.Errorf("--save keeps the signed bytes for phala verify, and a sealed answer's signature covers its ciphertext: call without --seal to save it")
			}
			call := c.CallAgent
			if seal {
				call = c.CallAgentSealed
			}
			r, err := call(cmd.Context(), key, gatewayURL, id, m, path, []byte(data))
			if err != nil {
				return err
			}
			if save != "" {
				chainID, _ := c.ChainID(cmd.Context())
				raw, _ := json.MarshalIndent(SavedResponse{ChainID: chainID, Status: r.Status, Headers: r.Header, Body: r.Body}, "", "  ")
				if err := os.WriteFile(save, raw, 0o600); err != nil {
					return err
				}
			}
			out := map[string]any{"status": r.Status, "body": string(r.Body), "worker": hex.EncodeToString(r.Proof.Worker[:]), "signature": "ok"}
			return g.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "%s\n", r.Body)
				fmt.Fprintf(g.errOut, "status %d, signed by worker %x (signature ok)\n", r.Status, r.Proof.Worker)
			})
		},
	}
	call.Flags().StringVarP(&method, "method", "X", "", "HTTP method (default GET, or POST with --data)")
	call.Flags().StringVarP(&data, "data", "d", "", "request body")
	call.Flags().StringVar(&save, "save", "", "save the signed answer to FILE for phala verify")
	call.Flags().BoolVar(&seal, "seal", false, "seal method, path and body to the agent's key and the answer to a one-time key: the gateway sees only ciphertext")

	logs := &cobra.Command{
		Use:     "logs AGENT_ID",
		Short:   "Read the agent's console log: only the owner may, and it comes sealed to a one-time key",
		Example: "  phala agent logs 81a3...9e --from alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseHex32(args[0], "agent id")
			if err != nil {
				return err
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			chainID, err := c.ChainID(cmd.Context())
			if err != nil {
				return err
			}
			reply, err := ecdh.X25519().GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, strings.TrimRight(gatewayURL, "/")+"/agents/"+args[0]+"/_logs", nil)
			if err != nil {
				return err
			}
			req.Header.Set(agentio.HeaderReplyKey, hex.EncodeToString(reply.PublicKey().Bytes()))
			agentio.Sign(req, chainID, id, nil, key, time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("logs: %s: %s", resp.Status, strings.TrimSpace(string(body)))
			}
			// The gateway gathers each worker's part, sealed to our key.
			var parts []gateway.LogPart
			if err := json.Unmarshal(body, &parts); err != nil {
				return fmt.Errorf("logs: %w", err)
			}
			var lines []pruntime.LogLine
			for _, p := range parts {
				if p.Status != http.StatusOK {
					if p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized {
						return fmt.Errorf("logs: %s", strings.TrimSpace(string(p.Body)))
					}
					fmt.Fprintf(g.errOut, "worker %s: %d %s\n", p.Endpoint, p.Status, strings.TrimSpace(string(p.Body)))
					continue
				}
				env, err := envelope.Decode(p.Body)
				if err != nil {
					return err
				}
				plain, err := envelope.Open(reply, envelope.PurposeAgentLog, env)
				if err != nil {
					return err
				}
				var part []pruntime.LogLine
				if err := json.Unmarshal(plain, &part); err != nil {
					return err
				}
				lines = append(lines, part...)
			}
			sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
			return g.print(lines, func(w io.Writer) {
				for _, l := range lines {
					fmt.Fprintf(w, "%s %-5s %s\n", l.Time.Format(time.RFC3339), l.Level, l.Text)
				}
			})
		},
	}
	info := &cobra.Command{
		Use: "info [AGENT_ID]", Short: "Show an agent (owner, code versions, policy, price, calls and fees), or list all",
		Example: "  phala agent info 81a3...9e --output json", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return printList(cmd.Context(), g, c, "/agents/list", "", func(w io.Writer, a agents.AgentView) {
					fmt.Fprintf(w, "%x  owner %s  policy %s  price %s  calls %d  paused %v\n", []byte(a.ID), a.Owner, a.Policy.Kind, a.Price.PHA(), a.Calls, a.Paused)
				})
			}
			id, err := parseHex32(args[0], "agent id")
			if err != nil {
				return err
			}
			a, err := c.Agent(cmd.Context(), id)
			if err != nil {
				return err
			}
			// Secrets stay ciphertext; show only whether there are any.
			view := a
			view.Secrets = nil
			return g.print(view, func(w io.Writer) {
				fmt.Fprintf(w, "agent      %x\nowner      %s\ncluster    %x\ncode       %x\npolicy     %s %v\nprice      %s\npaused     %v\ncalls      %d\nfees       %s\nsecrets    %v (sealed to epoch %d)\n",
					[]byte(a.ID), a.Owner, []byte(a.Cluster), []byte(a.Code), a.Policy.Kind, a.Policy.Allow, a.Price.PHA(), a.Paused, a.Calls, a.Fees.PHA(), len(a.Secrets) > 0, a.SecretsEpoch)
			})
		},
	}
	escrow := func(withdraw bool) *cobra.Command {
		use, short := "deposit AMOUNT", "Prepay into your escrow for agent calls and LLM use"
		if withdraw {
			use, short = "withdraw AMOUNT", "Take unspent PHA back from your escrow"
		}
		return &cobra.Command{
			Use: use, Short: short, Example: "  phala agent " + strings.Fields(use)[0] + " 10PHA --from bob", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				amount, err := pha.Parse(args[0])
				if err != nil {
					return err
				}
				res, err := g.sendFrom(cmd.Context(), from, &agents.MsgDeposit{Amount: amount, Withdraw: withdraw})
				if err != nil {
					return err
				}
				return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
			},
		}
	}
	var keyAgent string
	var keyExpires int64
	apikey := &cobra.Command{Use: "apikey", Short: "API keys for plain HTTP clients (OpenAI SDKs): only their hash is on chain"}
	create := &cobra.Command{
		Use: "create", Short: "Make a random API key for --from, register its hash, and print the key once",
		Example: "  phala agent apikey create --from bob\n  phala agent apikey create --agent 81a3...9e --expires 100000 --from bob",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw := make([]byte, 24)
			rand.Read(raw)
			key := "phk-" + hex.EncodeToString(raw)
			msg := &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(key)), Expires: keyExpires}
			if keyAgent != "" {
				id, err := parseHex32(keyAgent, "--agent")
				if err != nil {
					return err
				}
				msg.Agent = id
			}
			res, err := g.sendFrom(cmd.Context(), from, msg)
			if err != nil {
				return err
			}
			return g.print(map[string]any{"api_key": key, "height": res.Height}, func(w io.Writer) {
				fmt.Fprintf(w, "%s\n", key)
				fmt.Fprintln(g.errOut, "keep it: only its hash is on chain. Use it as: Authorization: Bearer <key>")
			})
		},
	}
	create.Flags().StringVar(&keyAgent, "agent", "", "limit the key to one agent")
	create.Flags().Int64Var(&keyExpires, "expires", 0, "block height the key stops working at (0: never)")
	apikey.AddCommand(create, &cobra.Command{
		Use: "revoke KEY", Short: "Remove an API key", Example: "  phala agent apikey revoke phk-... --from bob", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := g.sendFrom(cmd.Context(), from, &agents.MsgRevokeKey{Hash: sha256.Sum256([]byte(args[0]))})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "revoked in block %d\n", res.Height) })
		},
	})
	cmd.AddCommand(newAgentInitCmd(g), newAgentDevCmd(g), deploy, upgrade, call, secrets, logs, info, pause, resume, setPrice, setPolicy, transfer,
		escrow(false), escrow(true), apikey)
	return cmd
}
