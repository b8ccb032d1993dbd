package agenthost

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// caller is an authenticated caller of an agent or of the router.
type caller struct {
	addr address.Address
	hash [32]byte
	// issued is when the call was made (Unix ms), for its receipt.
	issued int64
	// scope, for an API key limited to one agent.
	scope []byte
}

// authenticate checks a signed request or an API key.
func (host *Host) authenticate(ctx context.Context, src chainsync.Source, agent [32]byte, method, uri string, h http.Header, body []byte) (caller, error) {
	s, signed, err := agentio.VerifySigned(h, host.core.ChainID(), agent, method, uri, body, host.clock())
	if signed {
		if err != nil {
			return caller{}, fmt.Errorf("%w: %v", ErrUnauthorized, err)
		}
		if !host.firstSeen(s.Hash) {
			return caller{}, fmt.Errorf("%w: this signed request was already served", ErrReplay)
		}
		return caller{addr: s.Caller, hash: s.Hash, issued: s.Timestamp}, nil
	}
	tok, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return caller{}, fmt.Errorf("%w: %v (sign the request with your account key, or send Authorization: Bearer <API key>)", ErrUnauthorized, agentio.ErrUnsigned)
	}
	kh := sha256.Sum256([]byte(tok))
	raw, height, err := host.core.Cached(ctx, src, agents.APIKeyKey(kh))
	if err != nil {
		return caller{}, err
	}
	if raw == nil {
		return caller{}, fmt.Errorf("%w: unknown API key", ErrUnauthorized)
	}
	var k agents.APIKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return caller{}, err
	}
	if k.Expires != 0 && height >= k.Expires {
		return caller{}, fmt.Errorf("%w: API key expired at height %d", ErrUnauthorized, k.Expires)
	}
	if len(k.Agent) != 0 && [32]byte(k.Agent) != agent {
		return caller{}, fmt.Errorf("%w: this API key is limited to agent %x", ErrForbidden, []byte(k.Agent))
	}
	// Every call with a key is its own call: a fresh id for its receipt.
	var nonce [16]byte
	rand.Read(nonce[:])
	return caller{addr: k.Account, hash: sha256.Sum256(append(append([]byte("phala/agent-call-apikey/v1\x00"), kh[:]...), nonce[:]...)), issued: host.clock().UnixMilli(), scope: k.Agent}, nil
}

// firstSeen remembers signed request hashes for twice the allowed skew.
func (host *Host) firstSeen(h [32]byte) bool {
	host.mu.Lock()
	defer host.mu.Unlock()
	now := host.clock()
	// Pruning walks the set; do it at most every few seconds so a call
	// costs O(1) on average.
	if now.Sub(host.seenPruned) > 5*time.Second {
		for k, t := range host.seenCalls {
			if now.Sub(t) > 2*agentio.Skew {
				delete(host.seenCalls, k)
			}
		}
		host.seenPruned = now
	}
	if _, ok := host.seenCalls[h]; ok {
		return false
	}
	host.seenCalls[h] = now
	return true
}
