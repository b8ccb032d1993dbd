package agenthost

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// agentSecrets opens the owner's sealed secrets with the agent key of the
// epoch they were sealed to.
func (host *Host) agentSecrets(rec contracts.Contract, a agents.Agent) (map[string]any, error) {
	out := map[string]any{}
	if len(a.Secrets) == 0 {
		return out, nil
	}
	k, ok, err := host.core.ContractKey([32]byte(rec.Cluster), [32]byte(rec.ID), a.SecretsEpoch)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: secrets are sealed to epoch %d, whose key this worker lacks", ErrNoAgent, a.SecretsEpoch)
	}
	env, err := envelope.Decode(a.Secrets)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed secrets: %v", ErrAgentFailed, err)
	}
	plain, err := envelope.Open(k.Pairs.ECDH, envelope.PurposeAgentSecret, env)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed secrets do not open: %v", ErrAgentFailed, err)
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("%w: secrets must be a JSON object", ErrAgentFailed)
	}
	return out, nil
}

// ResealSecrets seals an agent's secrets again to its key of the
// cluster's current epoch when they are sealed to an older one, if it is
// this member's turn (as for publishing contract keys).
func (host *Host) ResealSecrets(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, h int64) error {
	if !core.MemberTurn(c, h, [32]byte(host.core.ID())) {
		return nil
	}
	raw, err := host.core.CachedAt(ctx, src, agents.AgentKey([32]byte(rec.ID)), h)
	if err != nil || raw == nil {
		return err
	}
	var a agents.Agent
	if err := json.Unmarshal(raw, &a); err != nil {
		return err
	}
	if len(a.Secrets) == 0 || a.SecretsEpoch >= rec.KeyEpoch || host.out.HasPending(agents.TopicSecrets, rec.ID) {
		return nil
	}
	old, ok, err := host.core.ContractKey([32]byte(rec.Cluster), [32]byte(rec.ID), a.SecretsEpoch)
	if err != nil || !ok {
		return err // this member joined later; another one re-seals
	}
	env, err := envelope.Decode(a.Secrets)
	if err != nil {
		return err
	}
	plain, err := envelope.Open(old.Pairs.ECDH, envelope.PurposeAgentSecret, env)
	if err != nil {
		return err
	}
	cur, ok, err := host.core.ContractKey([32]byte(rec.Cluster), [32]byte(rec.ID), rec.KeyEpoch)
	if err != nil || !ok {
		return err
	}
	next, err := envelope.Seal(cur.Pairs.ECDH.PublicKey(), envelope.PurposeAgentSecret, env.Sender, plain)
	if err != nil {
		return err
	}
	_, err = host.out.Post(ctx, src, agents.TopicSecrets, agents.EncodeReseal([32]byte(rec.ID), rec.KeyEpoch, next.Encode()))
	return err
}
