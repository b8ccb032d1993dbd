package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Rotation phases.
const (
	PhaseCommit  = "commit"
	PhaseReveal  = "reveal"
	PhaseConfirm = "confirm"
)

// Rotation topics (gatekeeper to chain; reveals are relayed to members).
const (
	// TopicRotationCommit: round uvarint, commitment (32) =
	// CommitmentOf(chainID, round, member, contribution).
	TopicRotationCommit = "keys/rotation_commit"
	// TopicRotationReveal: round uvarint, then for each other member its id
	// (32) and an envelope holding this member's contribution.
	TopicRotationReveal = "keys/rotation_reveal"
	// TopicRotationPrecommit: round uvarint, commitment (32), for the
	// next round, sent while no rotation runs.
	TopicRotationPrecommit = "keys/rotation_precommit"
	// TopicRotationConfirm: round uvarint, generation uvarint, the new
	// master's ed25519 (32) and X25519 (32) public keys, and a signature by
	// the new master key over ConfirmSignBytes.
	TopicRotationConfirm = "keys/rotation_confirm"
)

// ResumeDelay is how many blocks after the rotation's confirming block
// gatekeeper-to-worker key traffic resumes.
const ResumeDelay = 2

// Params govern rotation.
type Params struct {
	// RotationPeriod starts a rotation every this many blocks (0: only on
	// the authority's request).
	RotationPeriod int64 `json:"rotation_period"`
	// RotationTimeout aborts a rotation that has not finished in this many
	// blocks; the old generation stays in force and a new round starts.
	RotationTimeout int64 `json:"rotation_timeout"`
	// MaxGatekeepers bounds the elected set.
	MaxGatekeepers int `json:"max_gatekeepers"`
	// UnbondDelay is how many blocks unbonded PHA waits before it returns
	// to the operator (it leaves the election weight at once).
	UnbondDelay int64 `json:"unbond_delay"`
}

// DefaultUnbondDelay is the unbond_delay a genesis that leaves it out (or
// sets it to 0) gets.
const DefaultUnbondDelay = 100

// DefaultParams: rotation on request only, 30-block timeout, five
// gatekeepers, unbonded PHA back after 100 blocks.
func DefaultParams() Params {
	return Params{RotationTimeout: 30, MaxGatekeepers: 5, UnbondDelay: DefaultUnbondDelay}
}

// Rotation is an attempt to move to a new master-key generation.
type Rotation struct {
	Round      uint64 `json:"round"`
	Generation uint64 `json:"generation"`
	Phase      string `json:"phase"`
	Members    []Hex  `json:"members"`
	Started    int64  `json:"started_height"`
	Deadline   int64  `json:"deadline_height"`
	// Per member, in Members order.
	Commitments []Hex  `json:"commitments"`
	Revealed    []bool `json:"revealed"`
	SignKeys    []Hex  `json:"confirmed_sign_keys"`
	ECDHKeys    []Hex  `json:"confirmed_ecdh_keys"`
}

func (r *Rotation) member(id [32]byte) int {
	for i, m := range r.Members {
		if string(m) == string(id[:]) {
			return i
		}
	}
	return -1
}

func all[T any](xs []T, ok func(T) bool) bool {
	for _, x := range xs {
		if !ok(x) {
			return false
		}
	}
	return true
}

// CommitmentOf is what a member commits to before anyone reveals.
func CommitmentOf(chainID string, round uint64, member [32]byte, contribution []byte) [32]byte {
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/keys/rotation-commit/v1\x00"))
	w.String(chainID)
	w.Uvarint(round)
	w.Raw(member[:])
	w.Raw(contribution)
	return sha256.Sum256(w.Bytes())
}

var (
	keyParams   = []byte("keys/params")
	keyRotation = []byte("keys/rotation")
	keyResume   = []byte("keys/resume")
	keyRound    = []byte("keys/round")
)

// RotationKey holds the active rotation (JSON), for proofs.
func RotationKey() []byte { return append([]byte(nil), keyRotation...) }

// ResumeKey holds the height (8 bytes BE) from which key traffic resumes.
func ResumeKey() []byte { return append([]byte(nil), keyResume...) }

// Params returns the rotation params.
func (Keeper) Params(kv state.KV) Params {
	p := DefaultParams()
	if raw := kv.Get(keyParams); raw != nil {
		state.DecodeJSON(raw, &p, "keys params")
	}
	return p
}

// Validate checks the params: rotation_timeout and max_gatekeepers
// positive, rotation_period and unbond_delay not negative.
func (p Params) Validate() error {
	if p.RotationTimeout <= 0 || p.MaxGatekeepers <= 0 || p.RotationPeriod < 0 || p.UnbondDelay < 0 {
		return fmt.Errorf("%w: rotation_timeout and max_gatekeepers must be positive, rotation_period and unbond_delay not negative", ErrBadGenesis)
	}
	return nil
}

// SetParams replaces the params after validating them; the DAO's
// set-parameter proposals call it.
func (Keeper) SetParams(kv state.KV, p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	kv.Set(keyParams, state.EncodeJSON(p))
	return nil
}

// Rotation returns the active rotation, if any.
func (Keeper) Rotation(kv state.KV) (Rotation, bool) {
	raw := kv.Get(keyRotation)
	if raw == nil {
		return Rotation{}, false
	}
	var r Rotation
	state.DecodeJSON(raw, &r, "keys rotation")
	return r, true
}

// ResumeHeight is the first height at which gatekeeper-to-worker key
// traffic may flow again after a rotation.
func (Keeper) ResumeHeight(kv state.KV) int64 {
	raw := kv.Get(keyResume)
	if len(raw) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(raw))
}

// KeyTrafficPaused reports whether key traffic to workers is held: during
// a rotation and until ResumeDelay blocks after it ends.
func (k Keeper) KeyTrafficPaused(kv state.KV, height int64) bool {
	if _, ok := k.Rotation(kv); ok {
		return true
	}
	return height < k.ResumeHeight(kv)
}

// elect is the published election rule: of the gatekeepers whose worker
// record still exists and that are not in exclude, those with the most PHA
// bonded (Bonded; unbonding PHA does not count), ties, zero bonds included,
// broken by gatekeeper id bytes ascending; the first MaxGatekeepers of that
// order are elected, in that order. Gatekeepers nobody bonded to stay
// eligible and come last, by id.
func (m *Module) elect(kv state.KV, exclude map[[32]byte]bool) [][32]byte {
	type candidate struct {
		id    [32]byte
		stake pha.Amount
	}
	var cands []candidate
	for _, id := range m.Keeper.Order(kv) {
		if exclude[id] {
			continue
		}
		if _, ok := m.registry.Keeper.Worker(kv, registry.WorkerID(id)); ok {
			cands = append(cands, candidate{id, m.Keeper.Bonded(kv, id)})
		}
	}
	// A total order (ids are unique), so the result does not depend on
	// the sort algorithm.
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := b.stake.Cmp(a.stake); c != 0 {
			return c
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	out := make([][32]byte, 0, len(cands))
	for _, c := range cands[:min(len(cands), m.Keeper.Params(kv).MaxGatekeepers)] {
		out = append(out, c.id)
	}
	return out
}

// startRotation opens a new round with the elected set.
func (m *Module) startRotation(ctx *module.Context, exclude map[[32]byte]bool) error {
	cur, ok := m.Keeper.Current(ctx.KV)
	if !ok {
		return ErrNoMasterKey
	}
	if _, busy := m.Keeper.Rotation(ctx.KV); busy {
		return fmt.Errorf("%w: a rotation is already running", ErrRotation)
	}
	members := m.elect(ctx.KV, exclude)
	if len(members) == 0 {
		return fmt.Errorf("%w: no gatekeeper to elect", ErrRotation)
	}
	round := m.Keeper.NextRound(ctx.KV)
	ctx.KV.Set(keyRound, binary.BigEndian.AppendUint64(nil, round+1))
	r := Rotation{
		Round: round, Generation: cur.Number + 1, Phase: PhaseCommit, Started: ctx.Height,
		Deadline:    ctx.Height + m.Keeper.Params(ctx.KV).RotationTimeout,
		Commitments: make([]Hex, len(members)), Revealed: make([]bool, len(members)),
		SignKeys: make([]Hex, len(members)), ECDHKeys: make([]Hex, len(members)),
	}
	for i, id := range members {
		r.Members = append(r.Members, append(Hex(nil), id[:]...))
		// A commitment made ahead for this round counts: the member sealed
		// its contribution before the round existed.
		if c, ok := m.Keeper.CommittedAheadFor(ctx.KV, id, round); ok {
			r.Commitments[i] = append(Hex(nil), c...)
		}
	}
	m.setRotation(ctx.KV, r)
	emitRotation(ctx, r, PhaseCommit)
	if all(r.Commitments, func(h Hex) bool { return len(h) != 0 }) {
		r.Phase = PhaseReveal
		m.setRotation(ctx.KV, r)
		emitRotation(ctx, r, PhaseReveal)
	}
	return nil
}

// NextRoundKey holds the number (8 bytes BE) the next rotation round will
// have, for proofs: gatekeepers commit ahead to it.
func NextRoundKey() []byte { return append([]byte(nil), keyRound...) }

// PrecommitKey holds a gatekeeper's commitment made ahead, for proofs:
// round (8 bytes BE) then the commitment (32).
func PrecommitKey(id [32]byte) []byte { return append([]byte("keys/precommit/"), id[:]...) }

// DecodeRound reads the NextRoundKey value; absent means round 0.
func DecodeRound(raw []byte) uint64 {
	if len(raw) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(raw)
}

// DecodePrecommit reads a PrecommitKey value; ok is false when there is
// none.
func DecodePrecommit(raw []byte) (round uint64, commitment []byte, ok bool) {
	if len(raw) != 40 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(raw[:8]), raw[8:], true
}

// NextRound is the number the next rotation round will have.
func (Keeper) NextRound(kv state.KV) uint64 { return DecodeRound(kv.Get(keyRound)) }

// CommittedAheadFor reports a gatekeeper's commitment made ahead for round.
func (Keeper) CommittedAheadFor(kv state.KV, id [32]byte, round uint64) ([]byte, bool) {
	r, c, ok := DecodePrecommit(kv.Get(PrecommitKey(id)))
	return c, ok && r == round
}

// precommit records a commitment to the next round's contribution, made
// while no rotation runs, so the next rotation can open in the reveal
// phase.
func (m *Module) precommit(ctx *module.Context, from [32]byte, r *wire.Reader) error {
	round := r.Uvarint()
	c := r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrRotation, err)
	}
	next := m.Keeper.NextRound(ctx.KV)
	if _, running := m.Keeper.Rotation(ctx.KV); running || round != next {
		return fmt.Errorf("%w: commitments ahead are for round %d while no rotation runs", ErrRotation, next)
	}
	ctx.KV.Set(PrecommitKey(from), append(binary.BigEndian.AppendUint64(nil, round), c...))
	return nil
}

func (m *Module) setRotation(kv state.KV, r Rotation) { kv.Set(keyRotation, state.EncodeJSON(r)) }

func emitRotation(ctx *module.Context, r Rotation, phase string, extra ...string) {
	attrs := append([]string{"round", strconv.FormatUint(r.Round, 10), "generation", strconv.FormatUint(r.Generation, 10), "phase", phase}, extra...)
	evAttrs := make([]abci.EventAttribute, 0, len(attrs)/2)
	for i := 0; i+1 < len(attrs); i += 2 {
		evAttrs = append(evAttrs, module.Indexed(attrs[i], attrs[i+1]))
	}
	ctx.Emit(EventRotation, evAttrs...)
}

// rotationMsg handles the three rotation topics from members.
func (m *Module) rotationMsg(ctx *module.Context, from [32]byte, topic string, r *wire.Reader) error {
	rot, ok := m.Keeper.Rotation(ctx.KV)
	round := r.Uvarint()
	if r.Err() == nil && (!ok || round != rot.Round) {
		return fmt.Errorf("%w: no rotation round %d running", ErrRotation, round)
	}
	i := rot.member(from)
	if r.Err() == nil && i < 0 {
		return fmt.Errorf("%w: %x is not in round %d", ErrRotation, from, round)
	}
	switch topic {
	case TopicRotationCommit:
		c := r.Raw(32)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrRotation, err)
		}
		if rot.Phase != PhaseCommit || len(rot.Commitments[i]) != 0 {
			return fmt.Errorf("%w: commitment out of phase (%s)", ErrRotation, rot.Phase)
		}
		rot.Commitments[i] = append(Hex(nil), c...)
		if all(rot.Commitments, func(h Hex) bool { return len(h) != 0 }) {
			rot.Phase = PhaseReveal
			emitRotation(ctx, rot, PhaseReveal)
		}
	case TopicRotationReveal:
		if rot.Phase != PhaseReveal || rot.Revealed[i] {
			return fmt.Errorf("%w: reveal out of phase (%s)", ErrRotation, rot.Phase)
		}
		seen := map[int]bool{}
		for n := 0; n < len(rot.Members)-1; n++ {
			var to [32]byte
			copy(to[:], r.Raw(32))
			env := r.VarBytes(mq.MaxPayloadLen)
			j := rot.member(to)
			if r.Err() != nil || j < 0 || j == i || seen[j] {
				return fmt.Errorf("%w: reveal must name each other member once", ErrRotation)
			}
			seen[j] = true
			w := wire.NewWriter(64 + len(env))
			w.Uvarint(rot.Round)
			w.Raw(from[:])
			w.VarBytes(env)
			m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: to}, TopicRotationReveal, w.Bytes())
		}
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrRotation, err)
		}
		rot.Revealed[i] = true
		if all(rot.Revealed, func(b bool) bool { return b }) {
			rot.Phase = PhaseConfirm
			emitRotation(ctx, rot, PhaseConfirm)
		}
	case TopicRotationConfirm:
		gen := r.Uvarint()
		sign, ecdhKey := r.Raw(32), r.Raw(32)
		sig := r.Raw(ed25519.SignatureSize)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrRotation, err)
		}
		if rot.Phase != PhaseConfirm || gen != rot.Generation || len(rot.SignKeys[i]) != 0 {
			return fmt.Errorf("%w: confirmation out of phase (%s)", ErrRotation, rot.Phase)
		}
		if !ed25519.Verify(ed25519.PublicKey(sign), ConfirmSignBytes(ctx.ChainID, from, gen), sig) {
			return fmt.Errorf("%w: confirmation not signed by the new master key", ErrRotation)
		}
		for j := range rot.SignKeys {
			if len(rot.SignKeys[j]) != 0 && (string(rot.SignKeys[j]) != string(sign) || string(rot.ECDHKeys[j]) != string(ecdhKey)) {
				return fmt.Errorf("%w: members derived different keys", ErrRotation)
			}
		}
		rot.SignKeys[i], rot.ECDHKeys[i] = append(Hex(nil), sign...), append(Hex(nil), ecdhKey...)
		if all(rot.SignKeys, func(h Hex) bool { return len(h) != 0 }) {
			m.finishRotation(ctx, rot)
			return nil
		}
	}
	m.setRotation(ctx.KV, rot)
	return nil
}

// finishRotation switches the chain to the new generation. Members hold it;
// gatekeepers left out of the election no longer do. Key traffic resumes
// ResumeDelay blocks after this block, and clusters move to a new epoch
// under the new generation.
func (m *Module) finishRotation(ctx *module.Context, rot Rotation) {
	g := Generation{Number: rot.Generation, SignKey: rot.SignKeys[0], ECDHKey: rot.ECDHKeys[0], Height: ctx.Height, CreatedBy: rot.Members[0]}
	for _, id := range m.Keeper.Order(ctx.KV) {
		gk, _ := m.Keeper.Gatekeeper(ctx.KV, id)
		gk.Holds = rot.member(id) >= 0
		if !gk.Holds {
			g.Excluded = append(g.Excluded, append(Hex(nil), id[:]...))
		}
		m.Keeper.SetGatekeeper(ctx.KV, id, gk)
	}
	m.Keeper.setGeneration(ctx.KV, g)
	ctx.KV.Delete(keyRotation)
	resume := ctx.Height + ResumeDelay
	ctx.KV.Set(keyResume, binary.BigEndian.AppendUint64(nil, uint64(resume)))
	emitRotation(ctx, rot, "done", "resume_height", strconv.FormatInt(resume, 10))
	if m.onGeneration != nil {
		m.onGeneration(ctx, g.Number)
	}
}

// EndBlock pays matured unbondings back, starts periodic rotations and
// aborts stalled ones: the old generation stays in force and a new round
// starts without the members that did not do their part.
func (m *Module) EndBlock(ctx *module.Context) error {
	if err := m.releaseUnbonded(ctx); err != nil {
		return err
	}
	p := m.Keeper.Params(ctx.KV)
	rot, running := m.Keeper.Rotation(ctx.KV)
	if running && ctx.Height > rot.Deadline {
		stalled := map[[32]byte]bool{}
		for i, id := range rot.Members {
			done := map[string]bool{PhaseCommit: len(rot.Commitments[i]) != 0, PhaseReveal: rot.Revealed[i], PhaseConfirm: len(rot.SignKeys[i]) != 0}[rot.Phase]
			if !done {
				stalled[[32]byte(id)] = true
			}
		}
		ctx.KV.Delete(keyRotation)
		ctx.KV.Set(keyResume, binary.BigEndian.AppendUint64(nil, uint64(ctx.Height+ResumeDelay)))
		emitRotation(ctx, rot, "aborted", "stalled", strconv.Itoa(len(stalled)))
		if err := m.startRotation(ctx, stalled); err != nil {
			// Nobody left to elect: stay on the old generation until the
			// authority or the next period tries again.
			ctx.Emit(EventRotation, module.Indexed("phase", "not_restarted"), module.Attr("reason", err.Error()))
		}
		return nil
	}
	if !running && p.RotationPeriod > 0 && ctx.Height%p.RotationPeriod == 0 {
		if _, ok := m.Keeper.Current(ctx.KV); ok {
			if err := m.startRotation(ctx, nil); err != nil {
				ctx.Emit(EventRotation, module.Indexed("phase", "not_started"), module.Attr("reason", err.Error()))
			}
		}
	}
	return nil
}

// rotateRequest is the authority's manual trigger.
func (m *Module) rotateRequest(ctx *module.Context, sender address.Address) error {
	if !m.authorized(ctx.KV, sender) {
		return fmt.Errorf("%w: %s", ErrUnauthorized, sender)
	}
	return m.startRotation(ctx, nil)
}

// OnGeneration registers what runs when a new generation takes over
// (clusters move to a new epoch).
func (m *Module) OnGeneration(f func(ctx *module.Context, generation uint64)) { m.onGeneration = f }
