package keys

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// SetGovernor makes gov (the DAO's module account) the key authority: its
// proposals add gatekeepers and start rotations through the same handlers.
// The genesis authority, if any, keeps working alongside it (devnets only).
func (m *Module) SetGovernor(gov address.Address) { m.governor = gov }

// Governor is the DAO's module account set by SetGovernor.
func (m *Module) Governor() address.Address { return m.governor }

// OnGeneration registers what runs when a new generation takes over
// (clusters move to a new epoch).
func (m *Module) OnGeneration(f func(ctx *module.Context, generation uint64)) { m.onGeneration = f }

// authorized reports whether sender may act as the key authority: the DAO
// always; the genesis authority only where genesis named one.
func (m *Module) authorized(kv state.KV, sender address.Address) bool {
	if !m.governor.IsZero() && sender == m.governor {
		return true
	}
	auth := m.Keeper.Authority(kv)
	return !auth.IsZero() && auth == sender
}

// appointGenesisGatekeeper is the registry hook: a newly registered worker
// of a genesis gatekeeper operator becomes a gatekeeper, and that operator's
// slot is used up.
func (m *Module) appointGenesisGatekeeper(ctx *module.Context, w registry.Worker, isNew bool) error {
	if !isNew {
		return nil
	}
	ops := m.Keeper.genesisOperators(ctx.KV)
	i := slices.Index(ops, w.Operator)
	if i < 0 {
		return nil
	}
	m.Keeper.setGenesisOperators(ctx.KV, slices.Delete(ops, i, i+1))
	return m.addGatekeeper(ctx, [32]byte(w.ID))
}

// handleAddGatekeeper makes a registered worker a gatekeeper, for the key
// authority.
func (m *Module) handleAddGatekeeper(ctx *module.Context, sender address.Address, msg *MsgAddGatekeeper) error {
	if !m.authorized(ctx.KV, sender) {
		return fmt.Errorf("%w: %s", ErrUnauthorized, sender)
	}
	if !m.active(ctx.KV, msg.Worker) {
		return fmt.Errorf("%w: %x is not registered or is retired", ErrUnknownWorker, msg.Worker)
	}
	return m.addGatekeeper(ctx, msg.Worker)
}

func (m *Module) addGatekeeper(ctx *module.Context, id [32]byte) error {
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); ok {
		return fmt.Errorf("%w: %x", ErrAlreadyGK, id)
	}
	m.Keeper.SetGatekeeper(ctx.KV, id, Gatekeeper{Worker: id[:], Added: ctx.Height})
	m.Keeper.appendOrder(ctx.KV, id)
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: id}, TopicAssigned, []byte{1})
	emitGatekeeper(ctx, EventGatekeeperAdded, id)
	return nil
}

// active reports whether id is a registered worker that is not retired:
// only active workers are appointed, elected or sent the master key.
func (m *Module) active(kv state.KV, id [32]byte) bool {
	w, ok := m.registry.Keeper.Worker(kv, registry.WorkerID(id))
	return ok && w.Active()
}

// retireGatekeeper is the registry's retirement hook: a retired worker
// that is a gatekeeper is removed (a rotation among the rest starts), so
// its enclave learns no later generation.
func (m *Module) retireGatekeeper(ctx *module.Context, w registry.Worker) error {
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, w.ID); !ok {
		return nil
	}
	return m.RemoveGatekeeper(ctx, w.ID)
}

// handleRotate is the authority's manual trigger of a rotation.
func (m *Module) handleRotate(ctx *module.Context, sender address.Address, _ *MsgRotate) error {
	if !m.authorized(ctx.KV, sender) {
		return fmt.Errorf("%w: %s", ErrUnauthorized, sender)
	}
	return m.startRotation(ctx, nil)
}

// RemoveGatekeeper takes a gatekeeper out of the set, for governance: its
// record and its place in the order go, its whole bond starts unbonding,
// and, since its enclave still knows the current master key, a rotation
// starts at once (when none is running) among the rest, so nothing sealed
// under a later generation is open to it. The last gatekeeper cannot be
// removed: nobody would hold the master key.
func (m *Module) RemoveGatekeeper(ctx *module.Context, id [32]byte) error {
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	order := m.Keeper.Order(ctx.KV)
	if len(order) <= 1 {
		return fmt.Errorf("%w: %x is the last gatekeeper; add another first", ErrRotation, id)
	}
	m.Keeper.setOrder(ctx.KV, slices.DeleteFunc(order, func(o [32]byte) bool { return o == id }))
	m.Keeper.deleteGatekeeper(ctx.KV, id)
	if b, ok := m.Keeper.Bond(ctx.KV, id); ok && !b.Amount.IsZero() {
		release := ctx.Height + m.Keeper.Params(ctx.KV).UnbondDelay
		if err := m.Keeper.addUnbonding(ctx.KV, release, id, b.Operator, b.Amount); err != nil {
			return fmt.Errorf("remove gatekeeper %x: %w", id, err)
		}
		m.Keeper.setBond(ctx.KV, id, Bond{Operator: b.Operator})
		emitUnbond(ctx, id, b.Operator, release)
	}
	emitGatekeeper(ctx, EventGatekeeperRemoved, id)
	if _, running := m.Keeper.Rotation(ctx.KV); running {
		m.RestartRotation(ctx, fmt.Errorf("%w: gatekeeper %x removed", ErrMembership, id), id)
		return nil
	}
	if _, ok := m.Keeper.Current(ctx.KV); ok {
		return m.startRotation(ctx, [][32]byte{id})
	}
	return nil
}

// RestartRotation is what a change of the gatekeeper set during a rotation
// calls (a removal here; a retired measurement or the like elsewhere): it
// aborts the running round, reporting reason, and starts a new round
// without exclude and without whoever this rotation already left out. The
// new round's key comes from fresh contributions, none of which an
// excluded member sees, so nothing it saw derives the next generation.
// With no rotation running it does nothing.
func (m *Module) RestartRotation(ctx *module.Context, reason error, exclude ...[32]byte) {
	if rot, running := m.Keeper.Rotation(ctx.KV); running {
		m.abortRound(ctx, rot, exclude, reason)
	}
}

// bondOperator is who may unbond from a gatekeeper: the operator that
// bonded, else the operator of its worker record.
func (m *Module) bondOperator(kv state.KV, id [32]byte) (address.Address, bool) {
	if b, ok := m.Keeper.Bond(kv, id); ok {
		return b.Operator, true
	}
	if w, ok := m.registry.Keeper.Worker(kv, registry.WorkerID(id)); ok {
		return w.Operator, true
	}
	return address.Address{}, false
}

// handleBond moves PHA from the gatekeeper's operator into the bond
// account.
func (m *Module) handleBond(ctx *module.Context, sender address.Address, msg *MsgBond) error {
	id := msg.Gatekeeper
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	w, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(id))
	if !ok {
		return fmt.Errorf("%w: gatekeeper %x has no worker record", ErrUnknownWorker, id)
	}
	b, bonded := m.Keeper.Bond(ctx.KV, id)
	if sender != w.Operator || (bonded && sender != b.Operator) {
		return fmt.Errorf("%w: gatekeeper %x is operated by %s, tx is from %s", ErrNotOperator, id, w.Operator, sender)
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, BondAccount, msg.Amount); err != nil {
		return fmt.Errorf("bond: %w", err)
	}
	// Cannot overflow: a bond is at most the total supply.
	total, err := b.Amount.Add(msg.Amount)
	if err != nil {
		return fmt.Errorf("bond: %w", err)
	}
	m.Keeper.setBond(ctx.KV, id, Bond{Operator: sender, Amount: total})
	emitBond(ctx, id, sender, msg.Amount, total)
	return nil
}

// handleUnbond takes PHA out of the election weight now and queues it for
// the operator at height + UnbondDelay.
func (m *Module) handleUnbond(ctx *module.Context, sender address.Address, msg *MsgUnbond) error {
	id := msg.Gatekeeper
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	op, ok := m.bondOperator(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: gatekeeper %x has no operator on record", ErrNotOperator, id)
	}
	if op != sender {
		return fmt.Errorf("%w: gatekeeper %x is operated by %s, tx is from %s", ErrNotOperator, id, op, sender)
	}
	b, _ := m.Keeper.Bond(ctx.KV, id)
	left, err := b.Amount.Sub(msg.Amount)
	if err != nil {
		return fmt.Errorf("%w: %s bonded to %x, unbond of %s", ErrUnbondTooMuch, b.Amount.PHA(), id, msg.Amount.PHA())
	}
	b.Amount = left
	m.Keeper.setBond(ctx.KV, id, b)
	release := ctx.Height + m.Keeper.Params(ctx.KV).UnbondDelay
	if err := m.Keeper.addUnbonding(ctx.KV, release, id, sender, msg.Amount); err != nil {
		return fmt.Errorf("unbond: %w", err) // cannot overflow: at most the total supply
	}
	emitUnbond(ctx, id, sender, release, msg.Amount, left)
	return nil
}

// releaseUnbonded pays every unbonding due at or before this height back to
// its operator, in queue (release height, then gatekeeper id) order.
func (m *Module) releaseUnbonded(ctx *module.Context) error {
	dues, err := m.Keeper.dueUnbondings(ctx.KV, ctx.Height)
	if err != nil {
		return err
	}
	for _, d := range dues {
		if err := (balances.Keeper{}).Transfer(ctx.KV, BondAccount, d.b.Operator, d.b.Amount); err != nil {
			return fmt.Errorf("pay back unbonded stake of gatekeeper %x: %w", d.id, err)
		}
		m.Keeper.deleteUnbonding(ctx.KV, d)
		emitUnbonded(ctx, d.id, d.b.Operator, d.b.Amount)
	}
	return nil
}

// endBlock pays matured unbondings back, starts periodic rotations and
// aborts stalled ones: the old generation stays in force and a new round
// starts without the members that did not do their part.
func (m *Module) endBlock(ctx *module.Context) error {
	if err := m.releaseUnbonded(ctx); err != nil {
		return err
	}
	p := m.Keeper.Params(ctx.KV)
	rot, running := m.Keeper.Rotation(ctx.KV)
	if running && ctx.Height > rot.Deadline {
		m.abortStalled(ctx, rot)
		return nil
	}
	if !running && p.RotationPeriod > 0 && ctx.Height%p.RotationPeriod == 0 {
		if _, ok := m.Keeper.Current(ctx.KV); ok {
			if err := m.startRotation(ctx, nil); err != nil {
				emitRotationNot(ctx, "not_started", err)
			}
		}
	}
	return nil
}

// abortStalled ends a round past its deadline: the old generation stays in
// force and a new round starts without the members that had not done their
// part in its phase and, in the confirm phase, without those that confirmed
// a key other than the one the threshold confirmed.
func (m *Module) abortStalled(ctx *module.Context, rot Rotation) {
	var out [][32]byte
	for i, id := range rot.Members {
		done := map[string]bool{PhaseCommit: len(rot.Commitments[i]) != 0, PhaseReveal: rot.Revealed[i], PhaseConfirm: len(rot.SignKeys[i]) != 0}[rot.Phase]
		if !done {
			out = append(out, [32]byte(id))
		}
	}
	reason := fmt.Errorf("%w: %d member(s) did not do their part in the %s phase by height %d", ErrRotation, len(out), rot.Phase, rot.Deadline)
	if rot.Phase == PhaseConfirm {
		if rogues := m.reportRogues(ctx, rot); len(rogues) != 0 {
			out = append(out, rogues...)
			reason = fmt.Errorf("%w; %w: %d member(s) confirmed a key the threshold did not", reason, ErrRogueConfirmation, len(rogues))
		}
	}
	m.abortRound(ctx, rot, out, reason)
}

// abortRound ends the running round, leaving the old generation in force
// and no trace of the round but its events, and starts a new round without
// exclude and without the members earlier rounds of this rotation left
// out. The aborted event names the check that failed (reason) and every
// gatekeeper left out.
func (m *Module) abortRound(ctx *module.Context, rot Rotation, exclude [][32]byte, reason error) {
	left := make([][32]byte, 0, len(rot.Excluded)+len(exclude))
	for _, x := range rot.Excluded {
		left = append(left, [32]byte(x))
	}
	for _, id := range exclude {
		if !slices.Contains(left, id) {
			left = append(left, id)
		}
	}
	names := make([]string, len(left))
	for i, id := range left {
		names[i] = fmt.Sprintf("%x", id)
	}
	m.Keeper.endRotation(ctx.KV, ctx.Height+ResumeDelay)
	emitRotation(ctx, rot, "aborted", "reason", reason.Error(), "excluded", strings.Join(names, ","))
	if err := m.startRotation(ctx, left); err != nil {
		// Nobody left to elect: stay on the old generation until the
		// authority or the next period tries again.
		emitRotationNot(ctx, "not_restarted", err)
	}
}

// handleMQ consumes gatekeepers' messages on "keys/..." topics.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := mq.CheckOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	from := msg.Origin.ID
	gk, ok := m.Keeper.Gatekeeper(ctx.KV, from)
	if !ok {
		return fmt.Errorf("%w: %x", ErrNotGatekeeper, from)
	}
	r := wire.NewReader(msg.Payload)
	switch msg.Topic {
	case TopicRotationCommit, TopicRotationReveal, TopicRotationConfirm, TopicRotationComplaint:
		return m.rotationMsg(ctx, from, msg.Topic, r)
	case TopicRotationPrecommit:
		return m.precommit(ctx, from, r)
	case TopicMasterPubKey:
		gen := r.Uvarint()
		sign, ecdhKey := r.Raw(32), r.Raw(32)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadMasterKey, err)
		}
		return m.publishMaster(ctx, from, gk, gen, sign, ecdhKey)
	case TopicShare:
		var to [32]byte
		copy(to[:], r.Raw(32))
		env := r.VarBytes(mq.MaxPayloadLen)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadShare, err)
		}
		return m.share(ctx, gk, to, env)
	case TopicRejoin:
		return m.rejoin(ctx, from, gk, r)
	case TopicConfirm:
		return m.confirm(ctx, from, gk, r)
	case TopicKMSKey:
		return m.answerKMS(ctx, gk, r)
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
}

// answerKMS records a gatekeeper's answer to a pending sealing-key
// request: only a gatekeeper that holds the master key answers.
func (m *Module) answerKMS(ctx *module.Context, gk Gatekeeper, r *wire.Reader) error {
	worker := registry.WorkerID(r.Bytes32())
	eph := r.Raw(32)
	env := r.VarBytes(mq.MaxPayloadLen)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrKMSAnswer, err)
	}
	if !gk.Holds {
		return fmt.Errorf("%w: gatekeeper %x does not hold the master key", ErrKMSAnswer, []byte(gk.Worker))
	}
	if !m.registry.Keeper.AnswerKMS(ctx.KV, ctx.Height, worker, eph, env) {
		return fmt.Errorf("%w: no pending request of worker %s with that ephemeral key", ErrKMSAnswer, worker)
	}
	return nil
}

// publishMaster records generation 0, created inside the first
// gatekeeper's enclave.
func (m *Module) publishMaster(ctx *module.Context, from [32]byte, gk Gatekeeper, gen uint64, sign, ecdhKey []byte) error {
	if _, ok := m.Keeper.Current(ctx.KV); ok || gen != 0 {
		return fmt.Errorf("%w: generation %d", ErrGenerationTaken, gen)
	}
	if order := m.Keeper.Order(ctx.KV); len(order) == 0 || order[0] != from {
		return fmt.Errorf("%w: %x", ErrNotFirst, from)
	}
	g := Generation{Number: 0, SignKey: append(Hex(nil), sign...), ECDHKey: append(Hex(nil), ecdhKey...), Height: ctx.Height, CreatedBy: from[:]}
	m.Keeper.setGeneration(ctx.KV, g)
	gk.Holds = true
	m.Keeper.SetGatekeeper(ctx.KV, from, gk)
	emitGeneration(ctx, sign)
	return nil
}

// share relays an encrypted master-key share from a holding gatekeeper to a
// gatekeeper that lacks it and may receive it (mayReceive). A gatekeeper
// the rotation making this generation left out gets it only after it asked
// (rejoin): it may be down, and the envelope would wait in its inbox for
// nothing. The chain sees only ciphertext.
func (m *Module) share(ctx *module.Context, gk Gatekeeper, to [32]byte, env []byte) error {
	if !gk.Holds {
		return fmt.Errorf("%w: sender does not hold the master key", ErrBadShare)
	}
	rec, ok := m.Keeper.Gatekeeper(ctx.KV, to)
	if !ok {
		return fmt.Errorf("%w: recipient %x", ErrNotGatekeeper, to)
	}
	if err := m.mayReceive(ctx.KV, to, rec); err != nil {
		return err
	}
	if cur, ok := m.Keeper.Current(ctx.KV); ok && rec.RejoinHeight == 0 {
		for _, x := range cur.Excluded {
			if string(x) == string(to[:]) {
				return fmt.Errorf("%w: recipient %x was left out of generation %d and has not asked to rejoin", ErrBadShare, to, cur.Number)
			}
		}
	}
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: to}, TopicShare, env)
	return nil
}

// mayReceive is what a gatekeeper must be to be sent the master-key
// history: a registered worker that is not retired, with no evidence of
// misbehaviour kept against it, that does not hold the key yet. Removed
// gatekeepers have no record, so they never get this far.
func (m *Module) mayReceive(kv state.KV, id [32]byte, rec Gatekeeper) error {
	if !m.active(kv, id) {
		return fmt.Errorf("%w: %x is not registered or is retired", ErrNotGatekeeper, id)
	}
	if rec.ExcludedForCause != "" {
		return fmt.Errorf("%w: %x: %s", ErrExcludedForCause, id, rec.ExcludedForCause)
	}
	if rec.Holds {
		return fmt.Errorf("%w: %x already holds the key", ErrBadShare, id)
	}
	return nil
}

// rejoin records the request of a gatekeeper that lacks the current
// generation (a rotation left it out, or it was added during one) for the
// whole history: once asked, a holder may share it (share), and the
// gatekeeper holds the key again when it proves the whole history
// (confirm). No vote is needed: the gatekeeper is still in the set the
// DAO chose, and it gets nothing its enclave cannot check.
func (m *Module) rejoin(ctx *module.Context, from [32]byte, gk Gatekeeper, r *wire.Reader) error {
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: rejoin request: %v", ErrBadShare, err)
	}
	if _, ok := m.Keeper.Current(ctx.KV); !ok {
		return ErrNoMasterKey
	}
	if err := m.mayReceive(ctx.KV, from, gk); err != nil {
		return err
	}
	if gk.RejoinHeight != 0 {
		return fmt.Errorf("%w: %x already asked to rejoin at height %d", ErrBadShare, from, gk.RejoinHeight)
	}
	gk.RejoinHeight = ctx.Height
	m.Keeper.SetGatekeeper(ctx.KV, from, gk)
	emitGatekeeper(ctx, EventGatekeeperRejoin, from)
	return nil
}

// confirm marks a gatekeeper as holding the master key once it proves it
// holds the whole history, by signing with every generation's key.
func (m *Module) confirm(ctx *module.Context, from [32]byte, gk Gatekeeper, r *wire.Reader) error {
	cur, ok := m.Keeper.Current(ctx.KV)
	if !ok {
		return ErrNoMasterKey
	}
	gen := r.Uvarint()
	if r.Err() == nil && gen != cur.Number {
		return fmt.Errorf("%w: confirms generation %d, current is %d", ErrBadShare, gen, cur.Number)
	}
	sig, older, err := readProof(r, cur.Number, ErrBadShare)
	if err != nil {
		return err
	}
	if !ed25519.Verify(ed25519.PublicKey(cur.SignKey), ConfirmSignBytes(ctx.ChainID, from, gen), sig) {
		return fmt.Errorf("%w: confirmation is not signed by the master key", ErrBadShare)
	}
	if err := m.verifyOlder(ctx, from, gen, older); err != nil {
		return err
	}
	if gk.ExcludedForCause != "" {
		// Whoever handed it the key off the chain, the chain does not
		// count it as a holder.
		return fmt.Errorf("%w: %x: %s", ErrExcludedForCause, from, gk.ExcludedForCause)
	}
	gk.Holds, gk.RejoinHeight = true, 0
	m.Keeper.SetGatekeeper(ctx.KV, from, gk)
	emitConfirmed(ctx, from, gen)
	return nil
}

// readProof reads a history proof for generation upTo (see TopicConfirm):
// the signature by its key, then the count of earlier generations and a
// signature by each one's key. A proof that leaves any out is refused as
// incomplete; one that does not decode, with bad.
func readProof(r *wire.Reader, upTo uint64, bad error) (sig []byte, older [][]byte, err error) {
	sig = r.Raw(ed25519.SignatureSize)
	k := r.Uvarint()
	if r.Err() == nil && k != upTo {
		return nil, nil, fmt.Errorf("%w: the proof covers %d of the %d earlier generations", ErrIncompleteHistory, k, upTo)
	}
	for n := uint64(0); n < k && r.Err() == nil; n++ {
		older = append(older, r.Raw(ed25519.SignatureSize))
	}
	if err := r.Done(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", bad, err)
	}
	return sig, older, nil
}

// verifyOlder checks the older part of a history proof: older[n] is a
// signature by generation n's recorded key over ConfirmSignBytes for upTo.
func (m *Module) verifyOlder(ctx *module.Context, worker [32]byte, upTo uint64, older [][]byte) error {
	hist := m.Keeper.History(ctx.KV)
	msg := ConfirmSignBytes(ctx.ChainID, worker, upTo)
	for n, sig := range older {
		if n >= len(hist) || hist[n].Number != uint64(n) || !ed25519.Verify(ed25519.PublicKey(hist[n].SignKey), msg, sig) {
			return fmt.Errorf("%w: %x has no valid signature by generation %d's key", ErrIncompleteHistory, worker, n)
		}
	}
	return nil
}

// elect is the published election rule: of the gatekeepers whose worker
// record still exists and is not retired, that proved they hold the
// complete master-key history (Holds), that have no evidence kept against
// them (ExcludedForCause) and that are not in exclude, those
// with the most PHA
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
		if gk, _ := m.Keeper.Gatekeeper(kv, id); exclude[id] || !gk.Holds || gk.ExcludedForCause != "" {
			continue
		}
		if m.active(kv, id) {
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

// startRotation opens a new round with the elected set, leaving out
// exclude (carried to later rounds of this rotation) and any gatekeeper
// with evidence of equivocation for this round's number.
func (m *Module) startRotation(ctx *module.Context, exclude [][32]byte) error {
	cur, ok := m.Keeper.Current(ctx.KV)
	if !ok {
		return ErrNoMasterKey
	}
	if _, busy := m.Keeper.Rotation(ctx.KV); busy {
		return fmt.Errorf("%w: a rotation is already running", ErrRotation)
	}
	round := m.Keeper.NextRound(ctx.KV)
	skip := map[[32]byte]bool{}
	for _, id := range exclude {
		skip[id] = true
	}
	for _, id := range m.Keeper.Order(ctx.KV) {
		if _, equivocated := m.Keeper.Evidence(ctx.KV, round, id); equivocated && !skip[id] {
			skip[id] = true
			exclude = append(slices.Clip(exclude), id) // and out of later rounds of this rotation
		}
	}
	members := m.elect(ctx.KV, skip)
	if len(members) == 0 {
		return fmt.Errorf("%w: no gatekeeper to elect", ErrRotation)
	}
	m.Keeper.setNextRound(ctx.KV, round+1)
	r := Rotation{
		Round: round, Generation: cur.Number + 1, Phase: PhaseCommit, Started: ctx.Height,
		Deadline:    ctx.Height + m.Keeper.Params(ctx.KV).RotationTimeout,
		Commitments: make([]Hex, len(members)), Revealed: make([]bool, len(members)),
		SignKeys: make([]Hex, len(members)), ECDHKeys: make([]Hex, len(members)),
	}
	for _, id := range exclude {
		r.Excluded = append(r.Excluded, append(Hex(nil), id[:]...))
	}
	for i, id := range members {
		r.Members = append(r.Members, append(Hex(nil), id[:]...))
		// A commitment made ahead for this round counts: the member sealed
		// its contribution before the round existed.
		if c, ok := m.Keeper.CommittedAheadFor(ctx.KV, id, round); ok {
			r.Commitments[i] = append(Hex(nil), c...)
		}
	}
	m.Keeper.setRotation(ctx.KV, r)
	emitRotation(ctx, r, PhaseCommit)
	if all(r.Commitments, nonEmpty) {
		r.Phase = PhaseReveal
		m.Keeper.setRotation(ctx.KV, r)
		emitRotation(ctx, r, PhaseReveal)
	}
	return nil
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
	if prev, ok := m.Keeper.CommittedAheadFor(ctx.KV, from, round); ok {
		if string(prev) == string(c) {
			return fmt.Errorf("%w: already committed ahead to round %d", ErrRotation, round)
		}
		// Two commitments to one round: the chain keeps both, and the round
		// does not elect the member.
		m.keepEvidence(ctx, Evidence{Round: round, Member: from[:], Check: ErrEquivocation.Error(), First: prev, Second: c})
		return nil
	}
	m.Keeper.setPrecommit(ctx.KV, from, round, c)
	return nil
}

// keepEvidence stores a member's misbehaviour and reports it.
func (m *Module) keepEvidence(ctx *module.Context, e Evidence) {
	e.Member, e.First, e.Second = append(Hex(nil), e.Member...), append(Hex(nil), e.First...), append(Hex(nil), e.Second...)
	e.Height = ctx.Height
	m.Keeper.setEvidence(ctx.KV, e)
	emitEvidence(ctx, e)
	// The member is out for cause: never elected or sent the history
	// again, unless governance removes it and appoints it afresh.
	if gk, ok := m.Keeper.Gatekeeper(ctx.KV, [32]byte(e.Member)); ok && gk.ExcludedForCause == "" {
		gk.ExcludedForCause = fmt.Sprintf("%s in round %d", e.Check, e.Round)
		gk.RejoinHeight = 0
		m.Keeper.SetGatekeeper(ctx.KV, [32]byte(e.Member), gk)
	}
}

// equivocated keeps the evidence of member i sending two different values
// in the round, and restarts the round without it.
func (m *Module) equivocated(ctx *module.Context, rot Rotation, i int, first, second []byte) {
	id := [32]byte(rot.Members[i])
	m.keepEvidence(ctx, Evidence{Round: rot.Round, Member: id[:], Check: ErrEquivocation.Error(), First: first, Second: second})
	m.abortRound(ctx, rot, [][32]byte{id}, fmt.Errorf("%w: member %x sent two different values in round %d", ErrEquivocation, id, rot.Round))
}

// rotationMsg handles the three rotation topics from members.
func (m *Module) rotationMsg(ctx *module.Context, from [32]byte, topic string, r *wire.Reader) error {
	rot, ok := m.Keeper.Rotation(ctx.KV)
	round := r.Uvarint()
	if r.Err() == nil && (!ok || round != rot.Round) {
		return fmt.Errorf("%w: no rotation round %d running", ErrRotation, round)
	}
	// Membership does not depend on the payload, so it is checked even when
	// the round did not decode: the reveal handler indexes the member's slot
	// before it reads the rest.
	i := rot.member(from)
	if i < 0 {
		return fmt.Errorf("%w: %x is not in round %d", ErrUnelected, from, rot.Round)
	}
	switch topic {
	case TopicRotationCommit:
		return m.rotationCommit(ctx, rot, i, r)
	case TopicRotationReveal:
		if err := m.rotationReveal(ctx, &rot, i, from, r); err != nil {
			return err
		}
		m.Keeper.setRotation(ctx.KV, rot)
		return nil
	case TopicRotationComplaint:
		return m.rotationComplaint(ctx, rot, i, from, r)
	}
	return m.rotationConfirm(ctx, rot, i, from, r)
}

// rotationComplaint judges member i's proof that a reveal it received does
// not hold the contribution its sender committed to: the chain opens the
// reveal it relayed with the disclosed key. A proven one is equivocation by
// the sender, whose commitment cannot match what it sent: evidence kept,
// round restarted without it. A reveal that opens to the committed value,
// or a key that does not open it, refutes the complaint.
func (m *Module) rotationComplaint(ctx *module.Context, rot Rotation, i int, from [32]byte, r *wire.Reader) error {
	seq := r.Uvarint()
	key := r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrRotation, err)
	}
	raw := ctx.KV.Get(mq.EgressMessageKey(mq.Origin{Kind: mq.OriginWorker, ID: from}, seq))
	e, err := mq.DecodeEgress(raw)
	if raw == nil || err != nil || e.Topic != TopicRotationReveal {
		return fmt.Errorf("%w: inbox message %d of %x is not a reveal", ErrRotation, seq, from)
	}
	rr := wire.NewReader(e.Payload)
	round, sender, env := rr.Uvarint(), rr.Bytes32(), rr.VarBytes(mq.MaxPayloadLen)
	j := rot.member(sender)
	if rr.Done() != nil || round != rot.Round || j < 0 || j == i {
		return fmt.Errorf("%w: inbox message %d is not a reveal of round %d by another member", ErrRotation, seq, rot.Round)
	}
	got, opened := m.openReveal(ctx.KV, from, env, key)
	if !opened {
		return fmt.Errorf("%w: the disclosed key does not open reveal %d", ErrRotation, seq)
	}
	if got != nil && CommitmentOf(ctx.ChainID, rot.Round, sender, got) == [32]byte(rot.Commitments[j]) {
		return fmt.Errorf("%w: reveal %d holds the contribution %x committed to", ErrRotation, seq, sender)
	}
	m.keepEvidence(ctx, Evidence{Round: rot.Round, Member: sender[:], Check: ErrEquivocation.Error(), First: rot.Commitments[j], Second: got})
	m.abortRound(ctx, rot, [][32]byte{sender}, fmt.Errorf("%w: member %x revealed to %x a contribution that does not match its commitment", ErrEquivocation, sender, from))
	return nil
}

// openReveal opens a relayed reveal to worker to with a disclosed key;
// opened is false when the key does not open it. A reveal that is not an
// envelope sealed as a reveal to to's registered key is its sender's
// fault: it counts as opened, to nothing.
func (m *Module) openReveal(kv state.KV, to [32]byte, raw, key []byte) (plain []byte, opened bool) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, true
	}
	w, ok := m.registry.Keeper.Worker(kv, registry.WorkerID(to))
	if !ok || string(env.Recipient[:]) != string(w.ECDHKey) || env.Purpose != PurposeRotationReveal {
		return nil, true
	}
	plain, err = envelope.OpenWithKey(key, PurposeRotationReveal, env)
	return plain, err == nil
}

// rotationCommit records member i's commitment; the last one moves the
// round to the reveal phase. A second, different commitment (after one
// made ahead or in the round) is equivocation.
func (m *Module) rotationCommit(ctx *module.Context, rot Rotation, i int, r *wire.Reader) error {
	c := r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrRotation, err)
	}
	if prev := rot.Commitments[i]; len(prev) != 0 && string(prev) != string(c) {
		m.equivocated(ctx, rot, i, prev, c)
		return nil
	}
	if rot.Phase != PhaseCommit || len(rot.Commitments[i]) != 0 {
		return fmt.Errorf("%w: commitment out of phase (%s)", ErrRotation, rot.Phase)
	}
	rot.Commitments[i] = append(Hex(nil), c...)
	if all(rot.Commitments, nonEmpty) {
		rot.Phase = PhaseReveal
		emitRotation(ctx, rot, PhaseReveal)
	}
	m.Keeper.setRotation(ctx.KV, rot)
	return nil
}

// rotationReveal relays member i's contribution, one envelope per other
// member; the last reveal moves the round to the confirm phase.
func (m *Module) rotationReveal(ctx *module.Context, rot *Rotation, i int, from [32]byte, r *wire.Reader) error {
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
		emitRotation(ctx, *rot, PhaseConfirm)
	}
	return nil
}

// rotationConfirm records the new master's public keys as member i derived
// them, with its proof that it holds every earlier generation, and decides
// the round when it can (tally). A second confirmation of other keys is
// equivocation.
func (m *Module) rotationConfirm(ctx *module.Context, rot Rotation, i int, from [32]byte, r *wire.Reader) error {
	gen := r.Uvarint()
	sign, ecdhKey := r.Raw(32), r.Raw(32)
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrRotation, err)
	}
	if rot.Phase != PhaseConfirm || gen != rot.Generation {
		return fmt.Errorf("%w: confirmation out of phase (%s)", ErrRotation, rot.Phase)
	}
	sig, older, err := readProof(r, gen, ErrRotation)
	if err != nil {
		return err
	}
	if !ed25519.Verify(ed25519.PublicKey(sign), ConfirmSignBytes(ctx.ChainID, from, gen), sig) {
		return fmt.Errorf("%w: confirmation not signed by the new master key", ErrRotation)
	}
	if err := m.verifyOlder(ctx, from, gen, older); err != nil {
		return err
	}
	if len(rot.SignKeys[i]) != 0 {
		prev := append(append(Hex(nil), rot.SignKeys[i]...), rot.ECDHKeys[i]...)
		if string(prev) == string(sign)+string(ecdhKey) {
			return fmt.Errorf("%w: %x already confirmed round %d", ErrRotation, from, rot.Round)
		}
		m.equivocated(ctx, rot, i, prev, append(append([]byte(nil), sign...), ecdhKey...))
		return nil
	}
	rot.SignKeys[i], rot.ECDHKeys[i] = append(Hex(nil), sign...), append(Hex(nil), ecdhKey...)
	m.tally(ctx, rot)
	return nil
}

// winner returns a member whose confirmed keys Threshold members
// confirmed (-1 if none yet), how many confirmed them and how many members
// confirmed at all.
func (r *Rotation) winner() (w, votes, confirmed int) {
	keyOf := func(i int) string { return string(r.SignKeys[i]) + string(r.ECDHKeys[i]) }
	counts := map[string]int{}
	for i := range r.Members {
		if len(r.SignKeys[i]) != 0 {
			confirmed++
			counts[keyOf(i)]++
		}
	}
	for i := range r.Members {
		if len(r.SignKeys[i]) != 0 && counts[keyOf(i)] >= Threshold(len(r.Members)) {
			return i, counts[keyOf(i)], confirmed
		}
	}
	return -1, 0, confirmed
}

// tally decides a round in the confirm phase once its confirmations allow.
// Every member confirmed the same keys: the chain switches to them. Keys
// confirmed by Threshold members while some member confirmed others: those
// are the rogue minority, excluded and reported, and since they saw every
// contribution the round's key is not used: the round restarts among the
// rest, who confirm a fresh key. Every member confirmed and no keys reached
// the threshold: the round restarts with the same members. Otherwise the
// round waits for more confirmations.
func (m *Module) tally(ctx *module.Context, rot Rotation) {
	w, votes, confirmed := rot.winner()
	switch {
	case w >= 0 && votes == len(rot.Members):
		m.finishRotation(ctx, rot)
	case w >= 0 && votes < confirmed:
		rogues := m.reportRogues(ctx, rot)
		m.abortRound(ctx, rot, rogues, fmt.Errorf("%w: %d member(s) confirmed a key other than the one %d of %d members confirmed", ErrRogueConfirmation, len(rogues), votes, len(rot.Members)))
	case w < 0 && confirmed == len(rot.Members):
		m.abortRound(ctx, rot, nil, fmt.Errorf("%w: %d members confirmed no key %d of them agree on", ErrNoThreshold, confirmed, Threshold(len(rot.Members))))
	default:
		m.Keeper.setRotation(ctx.KV, rot)
	}
}

// reportRogues keeps evidence against every member that confirmed keys
// other than the ones Threshold members confirmed, and returns them.
func (m *Module) reportRogues(ctx *module.Context, rot Rotation) [][32]byte {
	w, _, _ := rot.winner()
	if w < 0 {
		return nil
	}
	good := append(append([]byte(nil), rot.SignKeys[w]...), rot.ECDHKeys[w]...)
	var rogues [][32]byte
	for i, id := range rot.Members {
		got := append(append([]byte(nil), rot.SignKeys[i]...), rot.ECDHKeys[i]...)
		if len(rot.SignKeys[i]) == 0 || string(got) == string(good) {
			continue
		}
		rogues = append(rogues, [32]byte(id))
		m.keepEvidence(ctx, Evidence{Round: rot.Round, Member: id, Check: ErrRogueConfirmation.Error(), First: good, Second: got})
	}
	return rogues
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
	resume := ctx.Height + ResumeDelay
	m.Keeper.endRotation(ctx.KV, resume)
	emitRotation(ctx, rot, "done", "resume_height", strconv.FormatInt(resume, 10))
	if m.onGeneration != nil {
		m.onGeneration(ctx, g.Number)
	}
}

func all[T any](xs []T, ok func(T) bool) bool {
	for _, x := range xs {
		if !ok(x) {
			return false
		}
	}
	return true
}

// nonEmpty reports whether a per-member slot is filled.
func nonEmpty(h Hex) bool { return len(h) != 0 }

// HandleMQ is the mq handler of "keys/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
