package gatekeeper

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/shielded/ceremony"
)

// ceremonyTopics are the setup ceremony's messages a gatekeeper posts.
var ceremonyTopics = []string{shielded.TopicContribution, shielded.TopicVote, shielded.TopicKey}

// ceremonyDuty is a gatekeeper's part in the shielded pool's setup
// ceremony. Its lock is its own: a contribution takes long, and the
// master-key duties need not wait for it.
type ceremonyDuty struct {
	mu  sync.Mutex
	con *ceremony.Contributor
	// idleAt is the height at which there was no ceremony for this
	// gatekeeper (none, over, or without it), so the record is read only
	// every ceremonyRecheck blocks after that: a DAO proposal may start
	// a new one.
	idleAt int64
}

// ceremonyRecheck is how many blocks a gatekeeper with no ceremony to
// take part in waits before reading the record again.
const ceremonyRecheck = 20

// CeremonyStep does this gatekeeper's part in the shielded pool's setup
// ceremony (docs/shielded.md): read the record through the light client,
// then vote on another's contribution awaiting votes after verifying it,
// contribute in its turn (randomness from crypto/rand here, never sealed
// or written; the new state goes to blobs, which the host serves), or
// send the verifying key it derives once phase 2 is over. States come
// from blobs, checked against their hash on chain.
func (g *Gatekeeper) CeremonyStep(ctx context.Context, src chainsync.Source, blobs ceremony.Blobs) error {
	d := &g.ceremony
	d.mu.Lock()
	defer d.mu.Unlock()
	if h := g.core.SyncedHeight(); d.idleAt != 0 && h < d.idleAt+ceremonyRecheck {
		return nil
	}
	raw, _, err := g.core.State(ctx, src, shielded.CeremonyKey())
	if err != nil {
		return err
	}
	if raw == nil {
		d.idleAt = max(g.core.SyncedHeight(), 1)
		return nil
	}
	var rec shielded.Ceremony
	if err := json.Unmarshal(raw, &rec); err != nil {
		return fmt.Errorf("enclave: ceremony record: %w", err)
	}
	d.idleAt = 0
	me := g.me()
	if rec.Done || rec.Failed != "" || (len(rec.Contributors) > 0 && rec.Index(me[:]) < 0) {
		d.idleAt = max(g.core.SyncedHeight(), 1) // over, or this gatekeeper takes no part
		return nil
	}
	for _, t := range ceremonyTopics {
		if g.hasPending(t) {
			return nil
		}
	}
	if d.con == nil {
		d.con = ceremony.NewContributor(me[:], blobs)
	}
	p, err := d.con.Step(ctx, &rec)
	if err != nil || p == nil {
		return err
	}
	_, err = g.out.Post(ctx, src, p.Topic, p.Payload)
	return err
}
