package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
)

// SavedResponse is an agent or router answer saved for offline checking
// (phala agent call --save).
type SavedResponse struct {
	ChainID string      `json:"chain_id"`
	Status  int         `json:"status"`
	Headers http.Header `json:"headers"`
	Body    []byte      `json:"body"`
	// ReceiptID is the id of the call's usage receipt, when known.
	ReceiptID []byte `json:"receipt_id,omitempty"`
}

// Verification is what phala verify found.
type Verification struct {
	Signature   string `json:"signature"`
	Worker      string `json:"worker"`
	TEE         string `json:"tee"`
	Measurement string `json:"measurement"`
	Registered  int64  `json:"registered_height"`
	Attested    int64  `json:"attested_height"`
	Fresh       string `json:"fresh_attestation,omitempty"`
	// Billed is "settled" once the chain has settled the call's usage
	// receipt, with the Unix millisecond it forgets the receipt's id at;
	// "not yet" before (workers post receipts every block) or after that.
	Billed   string `json:"billed"`
	ForgetAt int64  `json:"receipt_forget_at_ms,omitempty"`
}

func newVerifyCmd(g *globals) *cobra.Command {
	var attest string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a saved agent answer: the worker's signature, its registration, and optionally fresh attestation",
		Long: `Check an answer saved with phala agent call --save. The worker signed
SHA-256(request) and SHA-256(answer) with its identity key; verify checks that
signature, then that the key is a worker registered on this chain (the chain
verified its TEE attestation when it registered) and prints its TEE and code
measurement, and whether the chain has settled the call's usage receipt
(billed). With --attest GATEWAY_URL it also asks the worker for fresh
evidence over a random nonce and verifies it here.`,
		Example: `  phala agent call 81a3...9e /hello --from bob --save answer.json
  phala verify answer.json --attest http://127.0.0.1:8080`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var s SavedResponse
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("%s is not a saved answer: %w", args[0], err)
			}
			p, _, err := agentio.AnswerFrom(s.Headers)
			if err != nil {
				return fmt.Errorf("signature: %w", err)
			}
			if err := p.Check(agentio.Expect{ChainID: s.ChainID, Status: s.Status, Header: s.Headers, Body: s.Body}); err != nil {
				return fmt.Errorf("signature: %w", err)
			}
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			w, err := c.VerifyWorker(cmd.Context(), p)
			if err != nil {
				return err
			}
			v := Verification{Signature: "ok", Worker: w.ID.String(), TEE: string(w.TEE), Measurement: hex.EncodeToString(w.Measurement),
				Registered: w.RegisteredHeight, Attested: w.AttestedHeight}
			receipt := p.Request
			if len(s.ReceiptID) == 32 {
				receipt = [32]byte(s.ReceiptID)
			}
			if rv, err := c.AgentReceipt(cmd.Context(), receipt); err == nil {
				v.Billed, v.ForgetAt = "settled", rv.ForgetAt
			} else {
				v.Billed = "not yet"
			}
			if attest != "" {
				if err := freshAttestation(cmd, c, attest, w); err != nil {
					return fmt.Errorf("fresh attestation: %w", err)
				}
				v.Fresh = "ok"
			}
			return g.print(v, func(out io.Writer) {
				fmt.Fprintf(out, "signature   ok: worker %s signed this answer to request %x\n", v.Worker, p.Request)
				fmt.Fprintf(out, "worker      registered at height %d, attestation verified by the chain at height %d\n", v.Registered, v.Attested)
				fmt.Fprintf(out, "tee         %s, measurement %s\n", v.TEE, v.Measurement)
				if v.Fresh != "" {
					fmt.Fprintln(out, "fresh       ok: new evidence over a random nonce verifies and binds the worker's key")
				}
				if v.Billed == "settled" {
					fmt.Fprintf(out, "billed      yes: the chain settled this call's usage receipt (its id is kept until %s)\n", time.UnixMilli(v.ForgetAt).UTC().Format(time.RFC3339))
				} else {
					fmt.Fprintln(out, "billed      not yet: workers post usage receipts every block (or the receipt window has passed)")
				}
				if w.TEE == tee.KindSim {
					fmt.Fprintln(out, "WARNING     sim TEE: no hardware protection; development only")
				}
			})
		},
	}
	cmd.Flags().StringVar(&attest, "attest", "", "gateway URL to fetch fresh attestation evidence through")
	return cmd
}

// freshAttestation asks the worker for evidence over a random nonce and
// verifies it with the chain's rules (sim keys and measurements from the
// registry's parameters).
func freshAttestation(cmd *cobra.Command, c *client.Client, base string, w registry.Worker) error {
	nonce := make([]byte, 32)
	rand.Read(nonce)
	u := strings.TrimRight(base, "/") + "/workers/" + w.ID.String() + "/attestation?nonce=" + hex.EncodeToString(nonce)
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	var rep pruntime.AttestationReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return err
	}
	p, err := c.RegistryParams(cmd.Context())
	if err != nil {
		return err
	}
	var keys []ed25519.PublicKey
	for _, k := range p.SimAttestationKeys {
		keys = append(keys, ed25519.PublicKey(k))
	}
	collateral := func(fmspc string) *tee.TDXCollateral {
		tc, err := c.TDXCollateral(cmd.Context(), fmspc)
		if err != nil {
			return nil
		}
		return &tc
	}
	got, err := tee.Verify(tee.Attestation{Kind: tee.Kind(rep.TEE), Evidence: rep.Evidence}, tee.VerifyOptions{Now: time.Now(), AllowSim: p.AllowSimTEE, SimKeys: keys,
		SEVSNPMinTCB: p.SEVSNPMinTCB, TDXCollateral: collateral})
	if err != nil {
		return err
	}
	if got.ReportData != pruntime.ReportData([32]byte(w.ID), nonce) {
		return fmt.Errorf("the evidence does not bind this worker and nonce")
	}
	if !bytes.Equal(got.Measurement, w.Measurement) {
		return fmt.Errorf("measurement %x differs from the registered %x", got.Measurement, []byte(w.Measurement))
	}
	return nil
}
