package keys

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
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
	if _, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(msg.Worker)); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownWorker, msg.Worker)
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
	if _, running := m.Keeper.Rotation(ctx.KV); !running {
		if _, ok := m.Keeper.Current(ctx.KV); ok {
			return m.startRotation(ctx, map[[32]byte]bool{id: true})
		}
	}
	return nil
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
	for _, d := range m.Keeper.dueUnbondings(ctx.KV, ctx.Height) {
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
		m.abortRotation(ctx, rot)
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

// abortRotation ends a rotation past its deadline and starts a new round
// without the members that had not done their part in its phase.
func (m *Module) abortRotation(ctx *module.Context, rot Rotation) {
	stalled := map[[32]byte]bool{}
	for i, id := range rot.Members {
		done := map[string]bool{PhaseCommit: len(rot.Commitments[i]) != 0, PhaseReveal: rot.Revealed[i], PhaseConfirm: len(rot.SignKeys[i]) != 0}[rot.Phase]
		if !done {
			stalled[[32]byte(id)] = true
		}
	}
	m.Keeper.endRotation(ctx.KV, ctx.Height+ResumeDelay)
	emitRotation(ctx, rot, "aborted", "stalled", strconv.Itoa(len(stalled)))
	if err := m.startRotation(ctx, stalled); err != nil {
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
	case TopicRotationCommit, TopicRotationReveal, TopicRotationConfirm:
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
	case TopicConfirm:
		gen := r.Uvarint()
		sig := r.Raw(ed25519.SignatureSize)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadShare, err)
		}
		return m.confirm(ctx, from, gk, gen, sig)
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
// gatekeeper that lacks it. The chain sees only ciphertext.
func (m *Module) share(ctx *module.Context, gk Gatekeeper, to [32]byte, env []byte) error {
	if !gk.Holds {
		return fmt.Errorf("%w: sender does not hold the master key", ErrBadShare)
	}
	rec, ok := m.Keeper.Gatekeeper(ctx.KV, to)
	if !ok {
		return fmt.Errorf("%w: recipient %x", ErrNotGatekeeper, to)
	}
	if rec.Holds {
		return fmt.Errorf("%w: recipient %x already holds the key", ErrBadShare, to)
	}
	// A gatekeeper that the rotation making this generation left out does
	// not get it by share; it must be elected again.
	if cur, ok := m.Keeper.Current(ctx.KV); ok {
		for _, x := range cur.Excluded {
			if string(x) == string(to[:]) {
				return fmt.Errorf("%w: recipient %x was left out of generation %d", ErrBadShare, to, cur.Number)
			}
		}
	}
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: to}, TopicShare, env)
	return nil
}

// confirm marks a gatekeeper as holding the master key once it proves it
// by signing with it.
func (m *Module) confirm(ctx *module.Context, from [32]byte, gk Gatekeeper, gen uint64, sig []byte) error {
	cur, ok := m.Keeper.Current(ctx.KV)
	if !ok {
		return ErrNoMasterKey
	}
	if gen != cur.Number {
		return fmt.Errorf("%w: confirms generation %d, current is %d", ErrBadShare, gen, cur.Number)
	}
	if !ed25519.Verify(ed25519.PublicKey(cur.SignKey), ConfirmSignBytes(ctx.ChainID, from, gen), sig) {
		return fmt.Errorf("%w: confirmation is not signed by the master key", ErrBadShare)
	}
	gk.Holds = true
	m.Keeper.SetGatekeeper(ctx.KV, from, gk)
	emitConfirmed(ctx, from, gen)
	return nil
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
	m.Keeper.setNextRound(ctx.KV, round+1)
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
	m.Keeper.setPrecommit(ctx.KV, from, round, c)
	return nil
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
		return fmt.Errorf("%w: %x is not in round %d", ErrRotation, from, rot.Round)
	}
	var err error
	switch topic {
	case TopicRotationCommit:
		err = rotationCommit(ctx, &rot, i, r)
	case TopicRotationReveal:
		err = m.rotationReveal(ctx, &rot, i, from, r)
	case TopicRotationConfirm:
		var finished bool
		if finished, err = rotationConfirm(ctx, &rot, i, from, r); err == nil && finished {
			m.finishRotation(ctx, rot)
			return nil
		}
	}
	if err != nil {
		return err
	}
	m.Keeper.setRotation(ctx.KV, rot)
	return nil
}

// rotationCommit records member i's commitment; the last one moves the
// round to the reveal phase.
func rotationCommit(ctx *module.Context, rot *Rotation, i int, r *wire.Reader) error {
	c := r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrRotation, err)
	}
	if rot.Phase != PhaseCommit || len(rot.Commitments[i]) != 0 {
		return fmt.Errorf("%w: commitment out of phase (%s)", ErrRotation, rot.Phase)
	}
	rot.Commitments[i] = append(Hex(nil), c...)
	if all(rot.Commitments, nonEmpty) {
		rot.Phase = PhaseReveal
		emitRotation(ctx, *rot, PhaseReveal)
	}
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
// them; finished is true once every member confirmed the same keys.
func rotationConfirm(ctx *module.Context, rot *Rotation, i int, from [32]byte, r *wire.Reader) (finished bool, err error) {
	gen := r.Uvarint()
	sign, ecdhKey := r.Raw(32), r.Raw(32)
	sig := r.Raw(ed25519.SignatureSize)
	if err := r.Done(); err != nil {
		return false, fmt.Errorf("%w: %v", ErrRotation, err)
	}
	if rot.Phase != PhaseConfirm || gen != rot.Generation || len(rot.SignKeys[i]) != 0 {
		return false, fmt.Errorf("%w: confirmation out of phase (%s)", ErrRotation, rot.Phase)
	}
	if !ed25519.Verify(ed25519.PublicKey(sign), ConfirmSignBytes(ctx.ChainID, from, gen), sig) {
		return false, fmt.Errorf("%w: confirmation not signed by the new master key", ErrRotation)
	}
	for j := range rot.SignKeys {
		if len(rot.SignKeys[j]) != 0 && (string(rot.SignKeys[j]) != string(sign) || string(rot.ECDHKeys[j]) != string(ecdhKey)) {
			return false, fmt.Errorf("%w: members derived different keys", ErrRotation)
		}
	}
	rot.SignKeys[i], rot.ECDHKeys[i] = append(Hex(nil), sign...), append(Hex(nil), ecdhKey...)
	return all(rot.SignKeys, nonEmpty), nil
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

// deliver runs msg through the handler of its type.
func (m *Module) deliver(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	return module.Deliver(Name, ctx, sender, msg,
		module.Handle(m.handleAddGatekeeper),
		module.Handle(m.handleRotate),
		module.Handle(m.handleBond),
		module.Handle(m.handleUnbond),
	)
}

// HandleMQ is the mq handler of "keys/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
