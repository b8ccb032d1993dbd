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
	// over is set once the ceremony is done or failed (or genesis started
	// none), so the record is not read every round after that.
	over bool
}

// CeremonyStep does this gatekeeper's part in the shielded pool's setup
// ceremony (docs/shielded.md): read the record through the light client,
// then vote on the contribution awaiting votes after verifying it,
// contribute in its turn (randomness from crypto/rand here, never sealed
// or written; the new state goes to blobs, which the host serves), or
// send the verifying key it derives once phase 2 is over. States come
// from blobs, checked against their hash on chain.
func (g *Gatekeeper) CeremonyStep(ctx context.Context, src chainsync.Source, blobs ceremony.Blobs) error {
	d := &g.ceremony
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.over {
		return nil
	}
	raw, _, err := g.core.State(ctx, src, shielded.CeremonyKey())
	if err != nil {
		return err
	}
	if raw == nil {
		d.over = true
		return nil
	}
	var rec shielded.Ceremony
	if err := json.Unmarshal(raw, &rec); err != nil {
		return fmt.Errorf("enclave: ceremony record: %w", err)
	}
	me := g.me()
	if rec.Done || rec.Failed != "" || (len(rec.Contributors) > 0 && rec.Index(me[:]) < 0) {
		d.over = true // over, or this gatekeeper takes no part
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
