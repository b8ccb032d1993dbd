package client

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// SetAgentSecret sets one of the agent's secrets (or deletes it, with del)
// and keeps the others. The chain holds the secrets sealed to the agent's
// key and only its enclaves open them, so a worker of the agent's cluster
// merges: the update goes to it sealed to the agent's key in a request the
// owner signs for that worker, it answers the merged secrets sealed again
// (a signed answer, verified like any against the chain), and the owner
// stores them with MsgSetSecrets as SetAgentSecrets does. baseURL is a
// gateway or a worker's endpoint.
func (c *Client) SetAgentSecret(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte, name, value string, del bool) (*Committed, error) {
	a, pub, err := c.agentSealKey(ctx, id)
	if err != nil {
		return nil, err
	}
	plain, _ := json.Marshal(agentio.SecretUpdate{Name: name, Value: value, Delete: del})
	owner := address.FromPubKey(key.Public().(ed25519.PublicKey))
	env, err := envelope.Seal(pub, envelope.PurposeAgentSecretUpdate, owner[:], plain)
	if err != nil {
		return nil, err
	}
	base := agentio.SecretsBase(a.Secrets)
	body, _ := json.Marshal(agentio.SetSecretRequest{Base: base, Update: env.Encode()})
	r, err := c.CallAgent(ctx, key, baseURL, id, http.MethodPost, agentio.PathSetSecret, body)
	if err != nil {
		return nil, fmt.Errorf("set secret %s: %w", name, err)
	}
	var out agentio.SetSecretResponse
	if err := json.Unmarshal(r.Body, &out); err != nil || out.Base != base || len(out.Secrets) == 0 {
		return nil, fmt.Errorf("set secret %s: the worker's signed answer is not the merged secrets of base %.16s… (%v)", name, base, err)
	}
	return c.Send(ctx, key, pha.Amount{}, "", &agents.MsgSetSecrets{Agent: id, Envelope: out.Secrets})
}
