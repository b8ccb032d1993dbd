package agenthost

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// caller is an authenticated caller of an agent or of the router.
type caller struct {
	addr address.Address
	// hash is the request's content hash (agentio.RequestHash), the same
	// for every kind of authentication: what an answer binds.
	hash [32]byte
	// id is the call's receipt id (hop 0): the signed request's id, or a
	// fresh one for each API-key call.
	id [32]byte
	// issued is when the call was made (Unix ms), for its receipt.
	issued int64
	// signed is the caller's verified signature; apiKey the SHA-256 of the
	// API key used instead. One of the two backs the call's receipts.
	signed *agentio.SignedRequest
	apiKey [32]byte
	// scope, for an API key limited to one agent.
	scope []byte
}

// backing fills in what backs a receipt of the call.
func (c caller) backing(r *agents.Receipt) {
	if c.signed != nil {
		r.Backing, r.Signed = agents.BackingSigned, *c.signed
		return
	}
	r.Backing, r.APIKey, r.RequestHash = agents.BackingAPIKey, c.apiKey, c.hash
}

// authenticate checks a signed request or an API key. A signed request
// must name this worker, and is served once: its id stays in the sealed
// seen-set, across restarts, until the chain's time makes it stale. With anyWorker (reading
// the owner's log, which every worker of the cluster is asked for and
// which is sealed to the owner) the target and the seen-set are not
// checked.
func (host *Host) authenticate(ctx context.Context, src chainsync.Source, agent [32]byte, method, uri string, h http.Header, body []byte, anyWorker bool) (caller, error) {
	me := [32]byte(host.core.ID())
	chainID := host.core.ChainID()
	if w, err := hex.DecodeString(h.Get(agentio.HeaderTarget)); anyWorker && err == nil && len(w) == 32 {
		me = [32]byte(w)
	}
	s, signed, err := agentio.VerifyRequest(h, chainID, agent, me, method, uri, body, host.clock())
	if signed {
		switch {
		case errors.Is(err, agentio.ErrWrongWorker):
			return caller{}, fmt.Errorf("%w: %v (ask the gateway's /agents/<id>/workers and sign for the worker you send to)", ErrWrongWorker, err)
		case err != nil:
			return caller{}, fmt.Errorf("%w: %v", ErrUnauthorized, err)
		}
		id := s.ID(chainID, agent)
		if !anyWorker {
			// Aged by the chain's time, not the host's clock (seen.go).
			_, chainNow := host.core.Synced()
			if err := core.ViewFresh(time.UnixMilli(s.Timestamp), chainNow, agentio.Skew); err != nil {
				return caller{}, err
			}
			if err := host.seen.add(id, time.UnixMilli(s.Timestamp), chainNow); err != nil {
				return caller{}, err
			}
		}
		return caller{addr: s.Address(), hash: s.Request, id: id, issued: s.Timestamp, signed: &s}, nil
	}
	return host.authenticateKey(ctx, src, agent, method, uri, h, body)
}

// authenticateKey checks an API key sent as a bearer token.
func (host *Host) authenticateKey(ctx context.Context, src chainsync.Source, agent [32]byte, method, uri string, h http.Header, body []byte) (caller, error) {
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
	var id [32]byte
	rand.Read(id[:])
	return caller{addr: k.Account, hash: agentio.RequestHash(method, uri, h, body), id: id, issued: host.clock().UnixMilli(), apiKey: kh, scope: k.Agent}, nil
}
