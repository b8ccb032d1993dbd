package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// Errors of the chain half of answer verification; each names the binding
// that failed (agentio's errors name the others).
var (
	ErrAnswerWorker  = errors.New("client: answer's signer is not a registered, attested, active worker")
	ErrAnswerCluster = errors.New("client: answer's worker is not a member of the agent's cluster")
	ErrAnswerEpoch   = errors.New("client: answer's key epoch is not one the cluster has reached")
	ErrAnswerCode    = errors.New("client: answer's code hash is not in the agent's version history")
)

// VerifiedAnswer is what VerifyAnswer proved: the answer and the chain
// records that back it, all read at Height.
type VerifiedAnswer struct {
	Answer  agentio.Answer
	Worker  registry.Worker
	Cluster clusters.Cluster
	// Version is the agent's version whose code answered (zero for the
	// AI router); Current reports whether it is the agent's code now.
	Version contracts.Version
	Current bool
	Height  int64
}

// VerifyAnswer checks a signed answer end to end: the signature, that it
// binds the exchange e (chain, agent, request sent, response received),
// and, with proven reads at one height, that its signer is a registered,
// attested, active worker and a member of the cluster the answer names at
// an epoch that cluster has reached, that this cluster is the agent's, and
// that the code hash is in the agent's version history.
//
// The chain keeps a cluster's current members only: a worker removed from
// the cluster starts a new epoch and is no member of it, so its answers fail
// here from then on, even those it gave while it was one.
func (c *Client) VerifyAnswer(ctx context.Context, a agentio.Answer, sig []byte, e agentio.Expect) (*VerifiedAnswer, error) {
	if err := a.VerifySignature(sig); err != nil {
		return nil, err
	}
	if err := a.Check(e); err != nil {
		return nil, err
	}
	v := &VerifiedAnswer{Answer: a}
	reads := []provenRead{{fmt.Sprintf("worker %x", a.Worker[:8]), registry.WorkerKey(registry.WorkerID(a.Worker)), &v.Worker, ErrAnswerWorker}}
	if a.Cluster != ([32]byte{}) || a.Agent != ([32]byte{}) {
		reads = append(reads, provenRead{fmt.Sprintf("cluster %x", a.Cluster[:8]), clusters.ClusterKey(a.Cluster), &v.Cluster, ErrAnswerCluster})
	}
	var ag agents.Agent
	var rec contracts.Contract
	if a.Agent != ([32]byte{}) {
		reads = append(reads, provenRead{fmt.Sprintf("agent %x", a.Agent[:8]), agents.AgentKey(a.Agent), &ag, agentio.ErrAnswerAgent},
			provenRead{fmt.Sprintf("agent %x key record", a.Agent[:8]), contracts.ContractKey(a.Agent), &rec, agentio.ErrAnswerAgent})
	}
	what, keys, outs := make([]string, len(reads)), make([][]byte, len(reads)), make([]any, len(reads))
	for i, r := range reads {
		what[i], keys[i], outs[i] = r.what, r.key, r.out
	}
	h, err := c.provenRecords(ctx, false, what, keys, outs...)
	v.Height = h
	var missing *MissingRecordError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("%w: %w", reads[missing.Index].binding, err)
	}
	if err != nil {
		return nil, err
	}
	if err := checkAnswerChain(v, rec, len(reads) > 1, a.Agent != ([32]byte{})); err != nil {
		return nil, err
	}
	return v, nil
}

// provenRead is one record an answer's check reads, and the binding its
// absence breaks.
type provenRead struct {
	what    string
	key     []byte
	out     any
	binding error
}

// checkAnswerChain checks the proven records against the answer.
func checkAnswerChain(v *VerifiedAnswer, rec contracts.Contract, inCluster, isAgent bool) error {
	a, w, cl := v.Answer, v.Worker, v.Cluster
	switch {
	case w.AttestedHeight <= 0:
		return fmt.Errorf("%w: worker %x has no verified attestation", ErrAnswerWorker, a.Worker[:8])
	case !w.Active():
		return fmt.Errorf("%w: worker %x was retired at height %d (%s)", ErrAnswerWorker, a.Worker[:8], w.Retired.Height, w.Retired.Reason)
	case !inCluster:
		return nil // an AI router answer: any registered worker serves the router
	case !cl.IsMember(a.Worker):
		return fmt.Errorf("%w: worker %x is not among the %d members of cluster %x at height %d", ErrAnswerCluster, a.Worker[:8], len(cl.Members), a.Cluster[:8], v.Height)
	case a.Epoch > cl.Epoch:
		return fmt.Errorf("%w: answer says epoch %d, cluster %x is at %d", ErrAnswerEpoch, a.Epoch, a.Cluster[:8], cl.Epoch)
	}
	if !isAgent {
		return nil
	}
	if string(rec.Cluster) != string(a.Cluster[:]) {
		return fmt.Errorf("%w: the answer names cluster %x, agent %x runs in %x", ErrAnswerCluster, a.Cluster[:8], a.Agent[:8], []byte(rec.Cluster))
	}
	for _, ver := range rec.Versions {
		if string(ver.Code) == string(a.Code[:]) {
			v.Version = ver
		}
	}
	if v.Version.Code == nil {
		return fmt.Errorf("%w: code %x is not one of the agent's %d versions", ErrAnswerCode, a.Code[:8], len(rec.Versions))
	}
	v.Current = string(rec.Code) == string(a.Code[:])
	return nil
}

// signatureEvent starts the last Server-Sent Event of a signed stream
// (llm/openaiapi.SignatureEvent); its data is a JSON object of the answer
// headers.
const signatureEvent = "event: phala.answer\ndata: "

// AnswerOfStream splits a whole signed stream, as a client that keeps
// every byte received it, into the bytes the answer's response hash covers
// (those before the signature event) and the answer headers the event
// carries; ok is false when the stream does not end with one.
func AnswerOfStream(body []byte) (signed []byte, answer http.Header, ok bool) {
	i := bytes.LastIndex(body, []byte(signatureEvent))
	if i < 0 {
		return body, nil, false
	}
	data := bytes.TrimRight(body[i+len(signatureEvent):], "\n")
	var m map[string]string
	if bytes.Contains(data, []byte("\n")) || json.Unmarshal(data, &m) != nil {
		return body, nil, false
	}
	answer = http.Header{}
	answer.Set(agentio.HeaderAnswer, m[agentio.HeaderAnswer])
	answer.Set(agentio.HeaderAnswerSignature, m[agentio.HeaderAnswerSignature])
	return body[:i], answer, true
}
