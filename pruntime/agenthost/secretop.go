package agenthost

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// SetSecret runs an owner-signed agentio.PathSetSecret request: it opens the
// agent's sealed secrets and the sealed update, applies the update, and
// answers, signed as any answer, the result sealed again to the agent's
// current key. A request must be signed by the agent's owner for this
// worker and is served once (the signed-request seen-set).
func (host *Host) SetSecret(ctx context.Context, src chainsync.Source, req Request) (Response, error) {
	const ownerOnly = "secrets: only the agent's owner, signing the request with its account key, sets a secret"
	c, a, rec, err := host.ownerRequest(ctx, src, req, false, ownerOnly)
	if err != nil {
		return Response{}, err
	}
	if c.signed == nil {
		return Response{}, fmt.Errorf("%w: %s", ErrForbidden, ownerOnly)
	}
	var body agentio.SetSecretRequest
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return Response{}, fmt.Errorf("%w: secrets: body: %v", ErrUnauthorized, err)
	}
	if cur := agentio.SecretsBase(a.Secrets); body.Base != cur {
		return Response{}, fmt.Errorf("%w: secrets: the request amends sealed secrets %.16s…, the agent's are now %.16s… (read them again and sign a new request)", ErrReplay, body.Base, cur)
	}
	key, ok, err := host.core.ContractKey([32]byte(rec.Cluster), req.Agent, rec.KeyEpoch)
	if err != nil || !ok {
		return Response{}, fmt.Errorf("%w: secrets: this worker holds no key of the agent's epoch %d", ErrNoAgent, rec.KeyEpoch)
	}
	up, err := openUpdate(key.Pairs.ECDH, body.Update)
	if err != nil {
		return Response{}, err
	}
	secrets, err := host.agentSecrets(rec, a)
	if err != nil {
		return Response{}, err
	}
	if up.Delete {
		delete(secrets, up.Name)
	} else {
		secrets[up.Name] = up.Value
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return Response{}, err
	}
	env, err := envelope.Seal(key.Pairs.ECDH.PublicKey(), envelope.PurposeAgentSecret, a.Owner[:], plain)
	if err != nil {
		return Response{}, fmt.Errorf("secrets: seal: %w", err)
	}
	out, _ := json.Marshal(agentio.SetSecretResponse{Base: body.Base, Secrets: env.Encode()})
	served := agentio.Answer{Cluster: [32]byte(rec.Cluster), Epoch: rec.KeyEpoch, Agent: req.Agent, Code: [32]byte(rec.Code)}
	resp := Response{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/json"}, Body: out}
	return host.signResponse(resp, served, c.hash, false), nil
}

// openUpdate opens a sealed SecretUpdate with the agent's key.
func openUpdate(key *ecdh.PrivateKey, raw []byte) (agentio.SecretUpdate, error) {
	var up agentio.SecretUpdate
	env, err := envelope.Decode(raw)
	if err != nil {
		return up, fmt.Errorf("%w: secrets: update: %v", ErrUnauthorized, err)
	}
	plain, err := envelope.Open(key, envelope.PurposeAgentSecretUpdate, env)
	if err != nil {
		return up, fmt.Errorf("%w: secrets: the update does not open under the agent's current key: %v", ErrUnauthorized, err)
	}
	if err := json.Unmarshal(plain, &up); err != nil || up.Name == "" {
		return up, fmt.Errorf("%w: secrets: the update must be a JSON object naming a secret", ErrUnauthorized)
	}
	return up, nil
}

// ownerRequest authenticates an owner-only request (anyWorker as
// authenticate's) and reads its agent's records; a caller that is not the
// agent's owner is refused with ErrForbidden and refusal.
func (host *Host) ownerRequest(ctx context.Context, src chainsync.Source, req Request, anyWorker bool, refusal string) (caller, agents.Agent, contracts.Contract, error) {
	c, err := host.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body, anyWorker)
	if err != nil {
		return caller{}, agents.Agent{}, contracts.Contract{}, err
	}
	a, rec, _, err := host.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return caller{}, agents.Agent{}, contracts.Contract{}, err
	}
	if c.addr != a.Owner {
		return caller{}, agents.Agent{}, contracts.Contract{}, fmt.Errorf("%w: %s", ErrForbidden, refusal)
	}
	return c, a, rec, nil
}
