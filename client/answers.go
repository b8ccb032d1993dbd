package client

import (
	"context"
	"errors"
	"fmt"

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
	what := []string{fmt.Sprintf("worker %x", a.Worker[:8]), fmt.Sprintf("cluster %x", a.Cluster[:8])}
	keys := [][]byte{registry.WorkerKey(registry.WorkerID(a.Worker)), clusters.ClusterKey(a.Cluster)}
	outs := []any{&v.Worker, &v.Cluster}
	var ag agents.Agent
	var rec contracts.Contract
	if a.Agent != ([32]byte{}) {
		what = append(what, fmt.Sprintf("agent %x", a.Agent[:8]), fmt.Sprintf("agent %x key record", a.Agent[:8]))
		keys = append(keys, agents.AgentKey(a.Agent), contracts.ContractKey(a.Agent))
		outs = append(outs, &ag, &rec)
	}
	h, err := c.provenRecords(ctx, false, what, keys, outs...)
	v.Height = h
	if err != nil {
		return nil, answerReadErr(err)
	}
	if err := checkAnswerChain(v, rec, a.Agent != ([32]byte{})); err != nil {
		return nil, err
	}
	return v, nil
}

// answerReadErr names the binding a missing record breaks: the worker
// (read first), the cluster, or the agent.
func answerReadErr(err error) error {
	var m *MissingRecordError
	if !errors.As(err, &m) {
		return err
	}
	return fmt.Errorf("%w: %w", []error{ErrAnswerWorker, ErrAnswerCluster, agentio.ErrAnswerAgent, agentio.ErrAnswerAgent}[m.Index], err)
}

// checkAnswerChain checks the proven records against the answer.
func checkAnswerChain(v *VerifiedAnswer, rec contracts.Contract, isAgent bool) error {
	a, w, cl := v.Answer, v.Worker, v.Cluster
	switch {
	case w.AttestedHeight <= 0:
		return fmt.Errorf("%w: worker %x has no verified attestation", ErrAnswerWorker, a.Worker[:8])
	case !w.Active():
		return fmt.Errorf("%w: worker %x was retired at height %d (%s)", ErrAnswerWorker, a.Worker[:8], w.Retired.Height, w.Retired.Reason)
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
