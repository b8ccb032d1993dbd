package agentio

import (
	"crypto/sha256"
	"encoding/hex"
)

// PathSetSecret is the path, below /agents/<id>, of the enclave's
// operation that sets or deletes one of the agent's secrets (the agent
// never sees it): only the chain holds the sealed secrets and only the
// enclave opens them, so changing one entry without resending the others
// has to happen here.
const PathSetSecret = "/_secret"

// SecretUpdate is what the owner seals to the agent's key for
// PathSetSecret: one entry to set, or to delete.
type SecretUpdate struct {
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"`
	Delete bool   `json:"delete,omitempty"`
}

// SetSecretRequest is the body of an owner-signed PathSetSecret request.
// Base is the SHA-256 of the sealed secrets on chain the update amends:
// once they change, the request is refused, so an old request replayed
// cannot undo a later change. Update is the SecretUpdate sealed to the
// agent's current key (envelope purpose agent-secret-update).
type SetSecretRequest struct {
	Base   string `json:"base"`
	Update []byte `json:"update"`
}

// SetSecretResponse carries the agent's secrets with the update applied,
// sealed to the agent's current key for the owner to store on chain
// (MsgSetSecrets, signed by the owner as setting all secrets is).
type SetSecretResponse struct {
	Base    string `json:"base"`
	Secrets []byte `json:"secrets"`
}

// SecretsBase is the hex SHA-256 of an agent's sealed secrets as stored
// on chain (of nothing when it has none): what a SetSecretRequest amends.
func SecretsBase(sealed []byte) string {
	h := sha256.Sum256(sealed)
	return hex.EncodeToString(h[:])
}
