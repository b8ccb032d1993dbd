package ceremony

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/consensys/gnark/constraint"

	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/circuit"
)

// Blobs holds ceremony states off chain, addressed by SHA-256: each
// gatekeeper keeps the states it made and serves them; Get fetches any
// state by hash and returns it only if it hashes to sum.
type Blobs interface {
	Get(ctx context.Context, sum [32]byte) ([]byte, error)
	Put(sum [32]byte, state []byte) error
}

// Transcript derives, from the chain's record and the states it names,
// what every stage starts from and how it ends. It caches what it
// derived (compiled circuits, the sealed phase 1, start states), all of
// which the record determines.
type Transcript struct {
	blobs Blobs

	mu      sync.Mutex
	css     map[string]constraint.ConstraintSystem
	commons map[[32]byte][]byte
	starts  map[string][]byte
}

// NewTranscript reads states from blobs.
func NewTranscript(blobs Blobs) *Transcript {
	return &Transcript{blobs: blobs, css: map[string]constraint.ConstraintSystem{}, commons: map[[32]byte][]byte{}, starts: map[string][]byte{}}
}

// State fetches the state with hash sum and checks it.
func (t *Transcript) State(ctx context.Context, sum []byte) ([]byte, error) {
	if len(sum) != 32 {
		return nil, fmt.Errorf("%w: state hash %x", ErrBadContribution, sum)
	}
	b, err := t.blobs.Get(ctx, [32]byte(sum))
	if err != nil {
		return nil, fmt.Errorf("state %x: %w", sum, err)
	}
	if got := sha256.Sum256(b); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: state %x hashes to %x", ErrBadContribution, sum, got)
	}
	return b, nil
}

// Circuit compiles a ceremony circuit by name.
func (t *Transcript) Circuit(name string) (constraint.ConstraintSystem, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cs, ok := t.css[name]; ok {
		return cs, nil
	}
	cs, err := Compile(name)
	if err == nil {
		t.css[name] = cs
	}
	return cs, err
}

// Compile compiles one of the pool's circuits by name.
func Compile(name string) (constraint.ConstraintSystem, error) {
	for _, k := range circuit.Kinds {
		if k.String() == name {
			return circuit.Compile(k)
		}
	}
	return nil, fmt.Errorf("unknown ceremony circuit %q", name)
}

// Commons seals phase 1: it verifies every accepted phase 1 contribution
// from the start and closes the chain with the record's beacon.
func (t *Transcript) Commons(ctx context.Context, rec *shielded.Ceremony) ([]byte, error) {
	if rec.Stage == 0 || len(rec.Beacon) == 0 {
		return nil, fmt.Errorf("phase 1 is not sealed yet")
	}
	key := sha256.Sum256(append(bytes.Join(rec.Accepted(0), nil), rec.Beacon...))
	t.mu.Lock()
	c, ok := t.commons[key]
	t.mu.Unlock()
	if ok {
		return c, nil
	}
	states, err := t.states(ctx, rec.Accepted(0))
	if err != nil {
		return nil, err
	}
	c, err = SealPhase1(rec.Domain, rec.Beacon, states)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.commons[key] = c
	t.mu.Unlock()
	return c, nil
}

// Start is the state stage starts from: the empty phase 1 of the domain,
// or a circuit's phase 2 initialised from the sealed phase 1.
func (t *Transcript) Start(ctx context.Context, rec *shielded.Ceremony, stage int) ([]byte, error) {
	if stage == 0 {
		return Phase1Start(rec.Domain)
	}
	_, name := rec.StageOf(stage)
	commons, err := t.Commons(ctx, rec)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%x", name, sha256.Sum256(commons))
	t.mu.Lock()
	s, ok := t.starts[key]
	t.mu.Unlock()
	if ok {
		return s, nil
	}
	cs, err := t.Circuit(name)
	if err != nil {
		return nil, err
	}
	if s, err = Phase2Start(cs, commons); err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.starts[key] = s
	t.mu.Unlock()
	return s, nil
}

// Prev is the state a contribution extends: the stage's start for a zero
// previous hash, else the state with that hash.
func (t *Transcript) Prev(ctx context.Context, rec *shielded.Ceremony, x *shielded.Contribution) ([]byte, error) {
	if bytes.Equal(x.Prev, make([]byte, 32)) {
		return t.Start(ctx, rec, x.Stage)
	}
	return t.State(ctx, x.Prev)
}

// Verify checks contribution x against the state it extends, as every
// contributor's enclave does before voting and as anyone re-verifying
// the record does.
func (t *Transcript) Verify(ctx context.Context, rec *shielded.Ceremony, x *shielded.Contribution) error {
	prev, err := t.Prev(ctx, rec, x)
	if err != nil {
		return err
	}
	next, err := t.State(ctx, x.Hash)
	if err != nil {
		return err
	}
	if x.Phase == 1 {
		return VerifyPhase1(prev, next)
	}
	return VerifyPhase2(prev, next)
}

// VerifyingKey re-verifies circuit's accepted phase 2 contributions from
// the start and derives its verifying key (encoded as the chain stores
// it) and proving key.
func (t *Transcript) VerifyingKey(ctx context.Context, rec *shielded.Ceremony, name string) (vk []byte, keys Keys, err error) {
	stage := -1
	for i, c := range rec.Circuits {
		if c == name {
			stage = i + 1
		}
	}
	if stage < 0 || rec.Stage <= stage {
		return nil, keys, fmt.Errorf("circuit %q's phase 2 is not over", name)
	}
	commons, err := t.Commons(ctx, rec)
	if err != nil {
		return nil, keys, err
	}
	states, err := t.states(ctx, rec.Accepted(stage))
	if err != nil {
		return nil, keys, err
	}
	if keys.CS, err = t.Circuit(name); err != nil {
		return nil, keys, err
	}
	pk, v, err := Finish(keys.CS, commons, rec.Beacon, states)
	if err != nil {
		return nil, keys, err
	}
	keys.PK, keys.VK = pk, v
	vk, err = circuit.EncodeVerifyingKey(v)
	return vk, keys, err
}

// states fetches and checks each state of a list of hashes.
func (t *Transcript) states(ctx context.Context, sums [][]byte) ([][]byte, error) {
	out := make([][]byte, len(sums))
	for i, s := range sums {
		b, err := t.State(ctx, s)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
