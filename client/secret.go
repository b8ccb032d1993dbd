package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

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
//
// The chain stores the merge only while the secrets it was merged from are
// still the agent's; when another merge landed first (agents.ErrStaleSecrets)
// the merge runs once more on the new ones, so neither change is lost.
func (c *Client) SetAgentSecret(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte, name, value string, del bool) (*Committed, error) {
	up := agentio.SecretUpdate{Name: name, Value: value, Delete: del}
	res, base, err := c.mergeAgentSecret(ctx, key, baseURL, id, up)
	if errors.Is(err, agents.ErrStaleSecrets) {
		if err := c.awaitSecretsMoved(ctx, id, base); err != nil {
			return nil, fmt.Errorf("set secret %s: merging again after %w", name, err)
		}
		res, _, err = c.mergeAgentSecret(ctx, key, baseURL, id, up)
	}
	return res, err
}

// secretsMoveWait bounds how long a merge that lost the race waits for the
// winner to be provable and seen by the workers before it merges again.
const secretsMoveWait = 30 * time.Second

// awaitSecretsMoved waits until a proven read of the agent shows secrets
// other than base (the merge that refused ours may still be in the
// mempool, or in a block not yet provable) and the workers have verified
// that state, so the next merge reads, and a worker merges into, the new
// secrets.
func (c *Client) awaitSecretsMoved(ctx context.Context, id [32]byte, base string) error {
	ctx, cancel := context.WithTimeout(ctx, secretsMoveWait)
	defer cancel()
	var height int64
	err := poll(ctx, func() (bool, error) {
		a, h, err := c.ProvenAgent(ctx, id)
		height = h
		return err == nil && agentio.SecretsBase(a.Secrets) != base, err
	})
	if err != nil {
		return fmt.Errorf("the secrets changed meanwhile, but no proven read shows the change: %w", err)
	}
	if _, err := c.WaitWorkers(ctx, height); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// mergeAgentSecret is one try of SetAgentSecret: read the stored secrets,
// have a worker merge up into them, and store the result on condition that
// the stored secrets are still the ones read; it returns their base.
func (c *Client) mergeAgentSecret(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte, up agentio.SecretUpdate) (*Committed, string, error) {
	a, pub, err := c.agentSealKey(ctx, id)
	if err != nil {
		return nil, "", err
	}
	plain, _ := json.Marshal(up)
	owner := address.FromPubKey(key.Public().(ed25519.PublicKey))
	env, err := envelope.Seal(pub, envelope.PurposeAgentSecretUpdate, owner[:], plain)
	if err != nil {
		return nil, "", err
	}
	base := agentio.SecretsBase(a.Secrets)
	body, _ := json.Marshal(agentio.SetSecretRequest{Base: base, Update: env.Encode()})
	r, err := c.CallAgent(ctx, key, baseURL, id, http.MethodPost, agentio.PathSetSecret, body)
	if err != nil {
		return nil, "", fmt.Errorf("set secret %s: %w", up.Name, err)
	}
	var out agentio.SetSecretResponse
	if err := json.Unmarshal(r.Body, &out); err != nil || out.Base != base || len(out.Secrets) == 0 {
		return nil, "", fmt.Errorf("set secret %s: the worker's signed answer is not the merged secrets of base %.16s… (%v)", up.Name, base, err)
	}
	baseHash := sha256.Sum256(a.Secrets)
	res, err := c.Send(ctx, key, pha.Amount{}, "", &agents.MsgSetSecrets{Agent: id, Envelope: out.Secrets, Base: baseHash[:]})
	return res, base, err
}
