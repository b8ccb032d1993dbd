package ceremony

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	"github.com/phalanetwork/phala/modules/shielded"
)

// Keys are a circuit's keys from a finished ceremony.
type Keys struct {
	CS constraint.ConstraintSystem
	PK groth16.ProvingKey
	VK groth16.VerifyingKey
}

// Post is a message a contributor sends: its topic and payload.
type Post struct {
	Topic   string
	Payload []byte
}

// Contributor is one gatekeeper's part in the ceremony, run inside its
// enclave: its randomness comes from crypto/rand there (gnark's
// Contribute) and is never sealed or written; only the new state leaves.
type Contributor struct {
	me []byte
	t  *Transcript
}

// NewContributor is the contributor with worker id me, reading and
// keeping states in blobs.
func NewContributor(me []byte, blobs Blobs) *Contributor {
	return &Contributor{me: bytes.Clone(me), t: NewTranscript(blobs)}
}

// Step returns this contributor's next message given the chain's record,
// or nil when it has nothing to do: a vote on another's contribution
// awaiting votes, its own contribution in its turn, or a verifying key once phase
// 2 is over.
func (c *Contributor) Step(ctx context.Context, rec *shielded.Ceremony) (*Post, error) {
	if !rec.Running() || rec.Index(c.me) < 0 {
		return nil, nil
	}
	if rec.Stage == rec.KeysStage() {
		return c.key(ctx, rec)
	}
	slot, pending := rec.Turn()
	if pending != nil {
		return c.vote(ctx, rec, slot, pending)
	}
	if rec.Index(c.me) != int(slot) {
		return nil, nil
	}
	return c.contribute(ctx, rec, slot)
}

// vote verifies the pending contribution against the state it extends;
// a failed check is a refusal that says which.
func (c *Contributor) vote(ctx context.Context, rec *shielded.Ceremony, slot uint32, x *shielded.Contribution) (*Post, error) {
	if bytes.Equal(x.Contributor, c.me) {
		return nil, nil // the chain counts only the others' checks
	}
	for _, a := range x.Accepts {
		if bytes.Equal(a, c.me) {
			return nil, nil
		}
	}
	for _, r := range x.Refusals {
		if bytes.Equal(r.Voter, c.me) {
			return nil, nil
		}
	}
	v := shielded.VoteMsg{Phase: x.Phase, Circuit: x.Circuit, Slot: slot, Hash: shielded.Hash(x.Hash), OK: true}
	if err := c.t.Verify(ctx, rec, x); err != nil {
		if !refusable(err) {
			return nil, err // not the contribution's fault: try again next step
		}
		v.OK, v.Reason = false, err.Error()
	}
	return &Post{Topic: shielded.TopicVote, Payload: v.Encode()}, nil
}

// refusable reports whether a verification error is the contribution's
// fault (it does not decode, does not extend its previous state, or its
// state is not what its hash says) rather than a transient failure to
// fetch a state.
func refusable(err error) bool { return errors.Is(err, ErrBadContribution) }

// contribute extends the stage's last accepted state with fresh
// randomness, keeps the new state where the others fetch it, and
// announces it.
func (c *Contributor) contribute(ctx context.Context, rec *shielded.Ceremony, slot uint32) (*Post, error) {
	prevHash := rec.LastAccepted(rec.Stage)
	var (
		prev []byte
		err  error
	)
	if prevHash == nil {
		prevHash = make([]byte, 32)
		prev, err = c.t.Start(ctx, rec, rec.Stage)
	} else {
		prev, err = c.t.State(ctx, prevHash)
	}
	if err != nil {
		return nil, err
	}
	phase, name := rec.StageOf(rec.Stage)
	var next []byte
	if phase == 1 {
		next, err = ContributePhase1(prev)
	} else {
		next, err = ContributePhase2(prev)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(next)
	if err := c.t.blobs.Put(sum, next); err != nil {
		return nil, err
	}
	m := shielded.ContributionMsg{Phase: phase, Circuit: name, Slot: slot, Prev: shielded.Hash(prevHash), Hash: sum}
	return &Post{Topic: shielded.TopicContribution, Payload: m.Encode()}, nil
}

// key derives the verifying key of the first circuit this contributor has
// not sent one for.
func (c *Contributor) key(ctx context.Context, rec *shielded.Ceremony) (*Post, error) {
	for _, name := range rec.Circuits {
		sent := false
		for _, k := range rec.Keys {
			sent = sent || (k.Circuit == name && bytes.Equal(k.Voter, c.me))
		}
		if sent {
			continue
		}
		vk, _, err := c.t.VerifyingKey(ctx, rec, name)
		if err != nil {
			return nil, err
		}
		return &Post{Topic: shielded.TopicKey, Payload: shielded.KeyMsg{Circuit: name, VK: vk}.Encode()}, nil
	}
	return nil, nil
}
