package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
)

// SavedResponse is an agent or router exchange saved for checking later
// (phala agent call --save; docs/answers.md has the format for answers
// saved by other clients): the request as sent and the signed response.
// For a stream, Headers include the trailers and Body is every byte the
// answer's response hash covers.
type SavedResponse struct {
	ChainID string              `json:"chain_id"`
	Request *client.SentRequest `json:"request"`
	Status  int                 `json:"status"`
	Headers http.Header         `json:"headers"`
	Body    []byte              `json:"body"`
}

// Verification is what phala verify found.
type Verification struct {
	Signature string `json:"signature"`
	Request   string `json:"request"`
	Worker    string `json:"worker"`
	Cluster   string `json:"cluster"`
	Epoch     uint64 `json:"epoch"`
	Agent     string `json:"agent,omitempty"`
	Code      string `json:"code,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Model     string `json:"model,omitempty"`
	// CurrentCode is false when an older version of the agent answered.
	CurrentCode bool   `json:"current_code"`
	Proven      int64  `json:"proven_height"`
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
		Short: "Check a saved answer: signature, request, response, and the worker, cluster and code on chain",
		Long: `Check an exchange saved with phala agent call --save (or by another client in
the same format, docs/answers.md): the worker's signature over the answer;
that the answer is to the saved request (its hash) from the agent the request
went to (or from the AI router, for /v1/chat/completions); that the saved
status, content headers and body are the ones signed; and, with reads proven
against headers the light client verified from the trusted root in --home,
that the signer is a registered, attested worker, a member of the agent's
cluster at the answer's key epoch, and that the code that answered is one of
the agent's versions. Each failure names the binding that failed. It also
says whether the chain has settled the call's usage receipt (billed). With
--attest GATEWAY_URL it asks the worker for fresh evidence over a random
nonce and verifies it here.`,
		Example: `  phala agent call 81a3...9e /hello --from bob --save answer.json
  phala verify answer.json --attest http://127.0.0.1:8080`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, g, args[0], attest)
		},
	}
	cmd.Flags().StringVar(&attest, "attest", "", "gateway URL to fetch fresh attestation evidence through")
	return cmd
}

func runVerify(cmd *cobra.Command, g *globals, file, attest string) error {
	ctx := cmd.Context()
	s, err := readSaved(file)
	if err != nil {
		return err
	}
	c, va, err := g.verifyExchange(ctx, s)
	if err != nil {
		return err
	}
	v := verification(va)
	if rv, err := c.AgentReceipt(ctx, s.Request.ReceiptID(va.Answer.ChainID, va.Answer.Agent, va.Answer.Worker)); err == nil {
		v.Billed, v.ForgetAt = "settled", rv.ForgetAt
	} else {
		v.Billed = "not yet"
	}
	if attest != "" {
		if err := freshAttestation(cmd, c, attest, va.Worker); err != nil {
			return fmt.Errorf("fresh attestation: %w", err)
		}
		v.Fresh = "ok"
	}
	return g.print(v, func(out io.Writer) { printVerification(out, v, va.Worker.TEE) })
}

// verifyExchange connects to the node and checks the exchange s as
// verifySaved does.
func (g *globals) verifyExchange(ctx context.Context, s SavedResponse) (*client.Client, *client.VerifiedAnswer, error) {
	c, err := g.client()
	if err != nil {
		return nil, nil, err
	}
	va, err := verifySaved(ctx, c, s)
	return c, va, err
}

// saveExchange writes s for phala verify to file, with the chain id of the
// chain c's light client follows.
func saveExchange(ctx context.Context, c *client.Client, file string, s SavedResponse) error {
	lc, err := c.Light(ctx)
	if err != nil {
		return err
	}
	s.ChainID = lc.ChainID()
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, raw, 0o600)
}

// verifySaved checks a saved exchange: the answer's signature, that it
// answers the saved request from the agent it went to (or the AI router),
// that the saved response is the one signed, and the chain records behind
// it (client.VerifyAnswer).
func verifySaved(ctx context.Context, c *client.Client, s SavedResponse) (*client.VerifiedAnswer, error) {
	splitStream(&s)
	a, sig, err := agentio.AnswerFrom(s.Headers)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	agent, err := agentOfRequest(s.Request.URI)
	if err != nil {
		return nil, err
	}
	if agent == ([32]byte{}) && a.Agent != agent {
		return nil, fmt.Errorf("%w: the saved request went to the AI router, the answer is from agent %x", agentio.ErrAnswerAgent, a.Agent[:8])
	}
	lc, err := c.Light(ctx)
	if err != nil {
		return nil, err
	}
	return c.VerifyAnswer(ctx, a, sig, agentio.Expect{ChainID: lc.ChainID(), Agent: agent, Request: s.Request.Hash(), Status: s.Status, Header: s.Headers, Body: s.Body})
}

// splitStream cuts a stream saved whole at its answer event: the answer
// covers the bytes before it; trailers saved with the headers take
// precedence over the event's copy.
func splitStream(s *SavedResponse) {
	signed, h, ok := client.AnswerOfStream(s.Body)
	if !ok {
		return
	}
	s.Body = signed
	if s.Headers == nil {
		s.Headers = http.Header{}
	}
	if s.Headers.Get(agentio.HeaderAnswer) == "" {
		s.Headers.Set(agentio.HeaderAnswer, h.Get(agentio.HeaderAnswer))
		s.Headers.Set(agentio.HeaderAnswerSignature, h.Get(agentio.HeaderAnswerSignature))
	}
}

// readSaved reads a saved exchange; it must hold the request.
func readSaved(file string) (SavedResponse, error) {
	var s SavedResponse
	raw, err := os.ReadFile(file)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("%s is not a saved answer: %w", file, err)
	}
	if s.Request == nil || s.Request.Method == "" || s.Request.URI == "" {
		return s, fmt.Errorf("%s holds no request: save answers with phala agent call --save (an answer can only be checked against the request it answers)", file)
	}
	return s, nil
}

// agentOfRequest is the agent a request URI goes to (/agents/<id>/...),
// zero for the AI router (/v1/...).
func agentOfRequest(uri string) ([32]byte, error) {
	rest, ok := strings.CutPrefix(uri, "/agents/")
	if !ok {
		if strings.HasPrefix(uri, "/v1/") {
			return [32]byte{}, nil
		}
		return [32]byte{}, fmt.Errorf("saved request %q goes neither to an agent (/agents/ID/...) nor to the AI router (/v1/...)", uri)
	}
	id, _, _ := strings.Cut(rest, "/")
	id, _, _ = strings.Cut(id, "?")
	return parseHex32(id, "agent id in the saved request")
}

// verification is what runVerify prints of a verified answer.
func verification(va *client.VerifiedAnswer) Verification {
	a, w := va.Answer, va.Worker
	v := Verification{Signature: "ok", Request: hex.EncodeToString(a.Request[:]), Worker: w.ID.String(), Cluster: hex.EncodeToString(a.Cluster[:]),
		Epoch: a.Epoch, Provider: a.Provider, Model: a.Model, CurrentCode: va.Current, Proven: va.Height,
		TEE: string(w.TEE), Measurement: hex.EncodeToString(w.Measurement), Registered: w.RegisteredHeight, Attested: w.AttestedHeight}
	if a.Agent != ([32]byte{}) {
		v.Agent, v.Code = hex.EncodeToString(a.Agent[:]), hex.EncodeToString(a.Code[:])
	}
	return v
}

func printVerification(out io.Writer, v Verification, kind tee.Kind) {
	fmt.Fprintf(out, "signature   ok: worker %s signed this answer\n", v.Worker)
	fmt.Fprintf(out, "request     ok: it answers the saved request (hash %s)\n", v.Request)
	fmt.Fprintln(out, "response    ok: the saved status, content headers and body are the ones signed")
	fmt.Fprintf(out, "cluster     ok: the worker is a member of cluster %s, key epoch %d (proven at height %d)\n", v.Cluster, v.Epoch, v.Proven)
	if v.Agent != "" {
		fmt.Fprintf(out, "code        ok: agent %s answered with code %s%s\n", v.Agent, v.Code, codeNote(v.CurrentCode))
	} else {
		fmt.Fprintf(out, "router      %s/%s served this answer\n", v.Provider, v.Model)
	}
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
	if kind == tee.KindSim {
		fmt.Fprintln(out, "WARNING     sim TEE: no hardware protection; development only")
	}
}

// freshAttestation asks the worker for evidence over a random nonce and
// verifies it with the chain's rules (sim keys and measurements from the
// registry's parameters).
func freshAttestation(cmd *cobra.Command, c *client.Client, base string, w registry.Worker) error {
	nonce := make([]byte, 32)
	rand.Read(nonce)
	u := strings.TrimRight(base, "/") + "/workers/" + w.ID.String() + "/attestation?nonce=" + hex.EncodeToString(nonce)
	body, err := httpok.Get(cmd.Context(), http.DefaultClient, u, 1<<20)
	if err != nil {
		return err
	}
	var rep pruntime.AttestationReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return err
	}
	p, err := c.ProvenRegistryParams(cmd.Context())
	if err != nil {
		return err
	}
	var keys []ed25519.PublicKey
	for _, k := range p.SimAttestationKeys {
		keys = append(keys, ed25519.PublicKey(k))
	}
	// The collateral and CRLs are proven reads too: a node that forged
	// them could pass an out-of-date TCB or a revoked PCK. A failed proof
	// is reported as such, not as missing collateral.
	var proofErr error
	got, err := tee.Verify(tee.Attestation{Kind: tee.Kind(rep.TEE), Evidence: rep.Evidence}, tee.VerifyOptions{Now: time.Now(), AllowSim: p.AllowSimTEE, SimKeys: keys,
		SEVSNPMinTCB: p.SEVSNPMinTCB, TDXCollateral: provenLookup(cmd.Context(), c.ProvenTDXCollateral, &proofErr),
		TDXCRL: provenLookup(cmd.Context(), c.ProvenTDXCRL, &proofErr)})
	if proofErr != nil {
		return fmt.Errorf("TEE collateral: %w", proofErr)
	} else if err != nil {
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

// provenLookup turns a proven read into a verifier lookup: a record
// proven absent is nil; the first other failure is kept in *failed.
func provenLookup[T any](ctx context.Context, read func(context.Context, string) (T, error), failed *error) func(string) *T {
	return func(key string) *T {
		v, err := read(ctx, key)
		var missing *client.MissingRecordError
		if err != nil && !errors.As(err, &missing) && *failed == nil {
			*failed = err
		}
		if err != nil {
			return nil
		}
		return &v
	}
}
