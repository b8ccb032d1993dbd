package shielded

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/tree"
)

// verify checks a proof of kind against the message's public inputs.
func (m *Module) verify(ctx *module.Context, kind circuit.Kind, proof []byte, public []fr.Element) error {
	v, err := m.Keeper.Verifier(ctx.KV, kind)
	if err != nil {
		return err
	}
	if err := v.Verify(proof, public); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadProof, kind, err)
	}
	return nil
}

// checkRoot accepts the current root, or one replaced at most RootWindow
// blocks ago.
func (m *Module) checkRoot(ctx *module.Context, f *tree.Frontier, root Hash) error {
	cur := f.Root.Bytes()
	if bytes.Equal(cur[:], root[:]) {
		return nil
	}
	seen, ok := m.Keeper.RootSeen(ctx.KV, root[:])
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownRoot, root)
	}
	if window := m.Keeper.RootWindow(ctx.KV); uint64(ctx.Height) > seen+window {
		return fmt.Errorf("%w: %x was replaced at height %d, window %d blocks, now %d", ErrStaleRoot, root, seen, window, ctx.Height)
	}
	return nil
}

// checkUnspent refuses a nullifier already in the set.
func (m *Module) checkUnspent(ctx *module.Context, nfs [2]Hash) error {
	for _, nf := range nfs {
		if m.Keeper.Spent(ctx.KV, nf[:]) {
			return fmt.Errorf("%w: %x", ErrDoubleSpend, nf)
		}
	}
	return nil
}

// checkRoom refuses when n more leaves do not fit.
func checkRoom(f *tree.Frontier, n uint64) error {
	if f.Size+n > tree.Capacity {
		return fmt.Errorf("%w: %d of %d leaves used", ErrTreeFull, f.Size, tree.Capacity)
	}
	return nil
}

// addNotes appends commitments with their sealed notes, retiring the
// replaced roots, and returns the first new leaf index.
func (m *Module) addNotes(ctx *module.Context, f *tree.Frontier, cms []Hash, cts [][]byte) uint64 {
	first := f.Size
	for i := range cms {
		old := f.Root.Bytes()
		m.Keeper.retireRoot(ctx.KV, old[:], uint64(ctx.Height))
		var leaf fr.Element
		leaf.SetBytes(cms[i][:]) // canonical: checked by PublicInputs
		idx, _ := f.Append(leaf) // room checked by checkRoom
		m.Keeper.setLeaf(ctx.KV, idx, cms[i], cts[i])
	}
	m.Keeper.setFrontier(ctx.KV, f)
	return first
}

// checkSpend runs every check a spend of kind passes before it moves
// anything, cheapest first: its public inputs (from inputs), its root,
// that its notes are unspent, room for newLeaves notes, then its proof.
// It returns the frontier the new notes go onto.
func (m *Module) checkSpend(ctx *module.Context, kind circuit.Kind, inputs func() ([]fr.Element, error), root Hash, nfs [2]Hash, proof []byte, newLeaves uint64) (tree.Frontier, error) {
	public, err := inputs()
	if err != nil {
		return tree.Frontier{}, err
	}
	f := m.Keeper.Frontier(ctx.KV)
	if err := m.checkRoot(ctx, &f, root); err != nil {
		return f, err
	}
	if err := m.checkUnspent(ctx, nfs); err != nil {
		return f, err
	}
	if err := checkRoom(&f, newLeaves); err != nil {
		return f, err
	}
	return f, m.verify(ctx, kind, proof, public)
}

// pay moves amount from the pool to to.
func pay(ctx *module.Context, to address.Address, amount pha.Amount) error {
	if amount.IsZero() {
		return nil
	}
	err := balances.Keeper{}.Transfer(ctx.KV, PoolAccount, to, amount)
	if errors.Is(err, balances.ErrInsufficientFunds) {
		return fmt.Errorf("%w: %v", ErrPoolTooSmall, err)
	}
	return err
}

// handleShield takes Amount from sender into the pool as one note.
func (m *Module) handleShield(ctx *module.Context, sender address.Address, msg *MsgShield) error {
	public, err := msg.PublicInputs()
	if err != nil {
		return err
	}
	f := m.Keeper.Frontier(ctx.KV)
	if err := checkRoom(&f, 1); err != nil {
		return err
	}
	if err := m.verify(ctx, circuit.KindShield, msg.Proof, public); err != nil {
		return err
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, PoolAccount, msg.Amount); err != nil {
		return fmt.Errorf("shield: %w", err)
	}
	first := m.addNotes(ctx, &f, []Hash{msg.Commitment}, [][]byte{msg.Ciphertext})
	emitNotes(ctx, EventShield, first, 1, 0)
	return nil
}

// handleTransfer spends two notes into two, paying the fee to the relayer.
func (m *Module) handleTransfer(ctx *module.Context, _ address.Address, msg *MsgTransfer) error {
	f, err := m.checkSpend(ctx, circuit.KindTransfer, msg.PublicInputs, msg.Root, msg.Nullifiers, msg.Proof, 2)
	if err != nil {
		return err
	}
	if err := pay(ctx, msg.Relayer, msg.Fee); err != nil {
		return fmt.Errorf("transfer fee: %w", err)
	}
	m.spendAll(ctx, msg.Nullifiers)
	first := m.addNotes(ctx, &f, msg.Commitments[:], msg.Ciphertexts[:])
	emitNotes(ctx, EventTransfer, first, 2, 2)
	return nil
}

// handleUnshield spends two notes into public PHA for the recipient, the
// fee for the relayer and a change note.
func (m *Module) handleUnshield(ctx *module.Context, _ address.Address, msg *MsgUnshield) error {
	f, err := m.checkSpend(ctx, circuit.KindUnshield, msg.PublicInputs, msg.Root, msg.Nullifiers, msg.Proof, 1)
	if err != nil {
		return err
	}
	if err := pay(ctx, msg.Recipient, msg.Amount); err != nil {
		return fmt.Errorf("unshield: %w", err)
	}
	if err := pay(ctx, msg.Relayer, msg.Fee); err != nil {
		return fmt.Errorf("unshield fee: %w", err)
	}
	m.spendAll(ctx, msg.Nullifiers)
	first := m.addNotes(ctx, &f, []Hash{msg.Change}, [][]byte{msg.ChangeCiphertext})
	emitNotes(ctx, EventUnshield, first, 1, 2)
	return nil
}

// spendAll adds the nullifiers to the spent set.
func (m *Module) spendAll(ctx *module.Context, nfs [2]Hash) {
	for _, nf := range nfs {
		m.Keeper.spend(ctx.KV, nf[:], uint64(ctx.Height))
	}
}

// endBlock fixes a waiting ceremony's contributors once enough
// gatekeepers are appointed, goes on without a contributor whose step
// lasted turn_blocks, and forgets roots replaced more than
// two windows ago. Between one and two windows a root is refused as stale
// (ErrStaleRoot says why); after that as unknown.
func (m *Module) endBlock(ctx *module.Context) error {
	m.startCeremony(ctx)
	m.expireStep(ctx)
	if keep := 2 * m.Keeper.RootWindow(ctx.KV); uint64(ctx.Height) > keep {
		m.Keeper.pruneRoots(ctx.KV, uint64(ctx.Height)-keep)
	}
	return nil
}

// HandleMQ is the mq handler of "shielded/..." topics: the setup
// ceremony's contributions, votes and keys, from its contributors'
// enclaves. The record is written only when the message is accepted.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := mq.CheckOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	c, ok := m.Keeper.Ceremony(ctx.KV)
	if !ok || !c.Running() {
		return fmt.Errorf("%w: %s", ErrNoCeremony, msg.Topic)
	}
	from := msg.Origin.ID[:]
	if c.Index(from) < 0 {
		return fmt.Errorf("%w: worker %x", ErrNotContributor, from)
	}
	var err error
	switch msg.Topic {
	case TopicContribution:
		err = m.contribute(ctx, &c, from, msg.Payload)
	case TopicVote:
		err = m.vote(ctx, &c, from, msg.Payload)
	case TopicKey:
		err = m.submitKey(ctx, &c, from, msg.Payload)
	default:
		return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
	}
	if err != nil {
		return err
	}
	m.saveCeremony(ctx, &c)
	return nil
}

// saveCeremony writes the record and the height its current step expires
// at, or removes that height once the ceremony is over.
func (m *Module) saveCeremony(ctx *module.Context, c *Ceremony) {
	m.Keeper.setCeremony(ctx.KV, *c)
	if c.Running() {
		ctx.KV.Set(keyCeremonyDeadline, state.Uint64(uint64(c.Deadline())))
	} else {
		ctx.KV.Delete(keyCeremonyDeadline)
	}
}

// contribute records a contribution in its turn: the stage's next slot,
// from the contributor that slot belongs to, with no contribution
// awaiting votes, extending the stage's last accepted state.
func (m *Module) contribute(ctx *module.Context, c *Ceremony, from []byte, payload []byte) error {
	msg, err := DecodeContributionMsg(payload)
	if err != nil {
		return err
	}
	if c.Stage >= c.KeysStage() {
		return fmt.Errorf("%w: phase 2 is over, the keys are being agreed", ErrOutOfTurn)
	}
	phase, circ := c.StageOf(c.Stage)
	if msg.Phase != phase || msg.Circuit != circ {
		return fmt.Errorf("%w: the ceremony is in phase %d %q, not phase %d %q", ErrOutOfTurn, phase, circ, msg.Phase, msg.Circuit)
	}
	slot, pending := c.Turn()
	if x := c.skipped(c.Stage, from); x != nil {
		return fmt.Errorf("%w: gatekeeper %x's slot %d was skipped at height %d, after its turn lasted %d blocks", ErrTurnPassed, from, x.Slot, x.Height, c.TurnBlocks)
	}
	switch {
	case pending != nil:
		return fmt.Errorf("%w: slot %d awaits its votes", ErrOutOfTurn, slot)
	case msg.Slot != slot:
		return fmt.Errorf("%w: slot %d is next, not %d", ErrOutOfTurn, slot, msg.Slot)
	case c.Index(from) != int(slot):
		return fmt.Errorf("%w: slot %d is gatekeeper %x's, not %x's", ErrOutOfTurn, slot, []byte(c.Contributors[slot]), from)
	}
	want := c.LastAccepted(c.Stage)
	if want == nil {
		want = make([]byte, 32)
	}
	if !bytes.Equal(msg.Prev[:], want) {
		return fmt.Errorf("%w: it extends %x, the last accepted state is %x", ErrWrongPrev, msg.Prev, want)
	}
	if msg.Hash == (Hash{}) || msg.Hash == msg.Prev {
		return fmt.Errorf("%w: contribution hash %x", ErrMalformed, msg.Hash)
	}
	c.Contributions = append(c.Contributions, Contribution{Stage: c.Stage, Phase: phase, Circuit: circ, Slot: slot,
		Contributor: Hex(bytes.Clone(from)), Prev: Hex(want), Hash: Hex(bytes.Clone(msg.Hash[:])), Height: ctx.Height,
		Status: StatusPending, Accepts: []Hex{}})
	c.TurnStart = ctx.Height
	emitCeremony(ctx, "contribution", c.Stage, module.Attr(AttrSlot, strconv.FormatUint(uint64(slot), 10)),
		module.Indexed(AttrContributor, hex.EncodeToString(from)), module.Attr(AttrHash, hex.EncodeToString(msg.Hash[:])))
	if len(c.Contributors) == 1 {
		// No one else can verify it; the key stage's Finish and anyone's
		// Recheck still replay it.
		x := &c.Contributions[len(c.Contributions)-1]
		x.Status = StatusAccepted
		m.settle(ctx, c, slot, x, "no other contributor")
	}
	return nil
}

// skipped returns id's skipped slot in stage, if its turn passed.
func (c *Ceremony) skipped(stage int, id []byte) *Contribution {
	for i := range c.Contributions {
		x := &c.Contributions[i]
		if x.Stage == stage && x.Status == StatusSkipped && bytes.Equal(x.Contributor, id) {
			return x
		}
	}
	return nil
}

// vote records a contributor's verification of the pending contribution
// and decides it once a majority of the contributors voted one way.
func (m *Module) vote(ctx *module.Context, c *Ceremony, from []byte, payload []byte) error {
	msg, err := DecodeVoteMsg(payload)
	if err != nil {
		return err
	}
	slot, x := c.Turn()
	if x == nil || msg.Phase != x.Phase || msg.Circuit != x.Circuit || msg.Slot != slot || !bytes.Equal(msg.Hash[:], x.Hash) {
		return fmt.Errorf("%w: no pending contribution of phase %d %q slot %d with hash %x", ErrBadVote, msg.Phase, msg.Circuit, msg.Slot, msg.Hash)
	}
	if bytes.Equal(x.Contributor, from) {
		return fmt.Errorf("%w: gatekeeper %x cannot vote on its own contribution in slot %d", ErrBadVote, from, slot)
	}
	if x.voted(from) {
		return fmt.Errorf("%w: gatekeeper %x already voted on slot %d", ErrBadVote, from, slot)
	}
	if msg.OK {
		x.Accepts = append(x.Accepts, Hex(bytes.Clone(from)))
	} else {
		if msg.Reason == "" {
			return fmt.Errorf("%w: a refusal must say which check failed", ErrBadVote)
		}
		x.Refusals = append(x.Refusals, Refusal{Voter: Hex(bytes.Clone(from)), Reason: msg.Reason})
	}
	need, voters := c.VoteMajority(x.Contributor)
	switch {
	case len(x.Accepts) >= need:
		x.Status = StatusAccepted
	case len(x.Refusals) >= need || len(x.Accepts)+len(x.Refusals) >= voters:
		x.Status = StatusRefused
	default:
		return nil
	}
	m.settle(ctx, c, slot, x, x.reasons())
	return nil
}

// settle reports slot's decision (x's status), starts the next turn and
// closes the stage after its last slot.
func (m *Module) settle(ctx *module.Context, c *Ceremony, slot uint32, x *Contribution, reason string) {
	emitCeremony(ctx, x.Status, c.Stage, module.Attr(AttrSlot, strconv.FormatUint(uint64(slot), 10)),
		module.Indexed(AttrContributor, hex.EncodeToString(x.Contributor)),
		module.Attr(AttrHash, hex.EncodeToString(x.Hash)), module.Attr(AttrReason, reason))
	c.TurnStart = ctx.Height
	if int(slot) == len(c.Contributors)-1 {
		m.nextStage(ctx, c)
	}
}

// expireStep goes on without whoever let the ceremony's current step last
// turn_blocks: a silent contributor's slot is skipped; a contribution
// still awaiting votes is decided by the votes cast (skipped if there are
// none); keys no majority agreed on by then fail the ceremony.
func (m *Module) expireStep(ctx *module.Context) {
	d := ctx.KV.Get(keyCeremonyDeadline)
	if len(d) != 8 || uint64(ctx.Height) < binary.BigEndian.Uint64(d) {
		return
	}
	c, ok := m.Keeper.Ceremony(ctx.KV)
	if !ok || !c.Running() {
		ctx.KV.Delete(keyCeremonyDeadline)
		return
	}
	why := fmt.Sprintf("no decision within turn_blocks %d", c.TurnBlocks)
	slot, x := c.Turn()
	switch {
	case c.Stage == c.KeysStage():
		c.Failed = fmt.Sprintf("no majority derived the same verifying keys within turn_blocks %d", c.TurnBlocks)
		m.endCeremony(ctx, &c)
	case x != nil:
		switch a, r := len(x.Accepts), len(x.Refusals); {
		case a > r:
			x.Status = StatusAccepted
		case r > 0:
			x.Status = StatusRefused
		default:
			x.Status = StatusSkipped
		}
		m.settle(ctx, &c, slot, x, why)
	default:
		phase, circ := c.StageOf(c.Stage)
		c.Contributions = append(c.Contributions, Contribution{Stage: c.Stage, Phase: phase, Circuit: circ, Slot: slot,
			Contributor: c.Contributors[slot], Height: ctx.Height, Status: StatusSkipped, Accepts: []Hex{}})
		m.settle(ctx, &c, slot, &c.Contributions[len(c.Contributions)-1], why)
	}
	m.saveCeremony(ctx, &c)
}

// voted reports whether id voted on the contribution.
func (x *Contribution) voted(id []byte) bool {
	for _, a := range x.Accepts {
		if bytes.Equal(a, id) {
			return true
		}
	}
	for _, r := range x.Refusals {
		if bytes.Equal(r.Voter, id) {
			return true
		}
	}
	return false
}

// reasons joins the refusals' reasons.
func (x *Contribution) reasons() string {
	out := make([]string, len(x.Refusals))
	for i, r := range x.Refusals {
		out[i] = r.Reason
	}
	return strings.Join(out, "; ")
}

// nextStage closes a stage whose every slot is decided. Phase 1 is sealed
// with the hash of this block, which no contributor knew when it
// contributed. A stage with no accepted contribution fails the ceremony.
func (m *Module) nextStage(ctx *module.Context, c *Ceremony) {
	phase, circ := c.StageOf(c.Stage)
	if len(c.Accepted(c.Stage)) == 0 {
		c.Failed = fmt.Sprintf("phase %d %q: no contribution was accepted", phase, circ)
		emitCeremony(ctx, "failed", c.Stage, module.Attr(AttrReason, c.Failed))
		return
	}
	if c.Stage == 0 {
		c.Beacon = Hex(bytes.Clone(module.BlockHash(ctx.KV, ctx.Height)))
		emitCeremony(ctx, "sealed", c.Stage, module.Attr(AttrHash, hex.EncodeToString(c.Beacon)))
	}
	c.Stage++
}

// submitKey records the verifying key a contributor derived for a circuit
// from the finished transcript; the key a majority derived becomes the
// pool's, and the ceremony is done when every circuit has one.
func (m *Module) submitKey(ctx *module.Context, c *Ceremony, from []byte, payload []byte) error {
	msg, err := DecodeKeyMsg(payload)
	if err != nil {
		return err
	}
	if c.Stage != c.KeysStage() {
		return fmt.Errorf("%w: the ceremony is in stage %d, keys come after phase 2", ErrBadKey, c.Stage)
	}
	kind, ok := circuitKind(msg.Circuit)
	if !ok || !slices.Contains(c.Circuits, msg.Circuit) {
		return fmt.Errorf("%w: circuit %q is not the ceremony's", ErrBadKey, msg.Circuit)
	}
	if kv := c.keyOf(msg.Circuit, from); kv != nil {
		return fmt.Errorf("%w: gatekeeper %x already sent the %s key", ErrBadKey, from, msg.Circuit)
	}
	// The check genesis makes: a key the module could not use is refused
	// here, not at the first proof.
	if _, err := circuit.ParseVerifier(msg.VK); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadKey, msg.Circuit, err)
	}
	sum := sha256.Sum256(msg.VK)
	ctx.KV.Set(CandidateVKKey(sum[:]), msg.VK)
	c.Keys = append(c.Keys, KeyVote{Circuit: msg.Circuit, Voter: Hex(bytes.Clone(from)), VKHash: Hex(sum[:])})
	emitCeremony(ctx, "key", c.Stage, module.Indexed(AttrContributor, hex.EncodeToString(from)), module.Attr(AttrHash, hex.EncodeToString(sum[:])))
	if c.agreed(msg.Circuit, sum[:]) == c.Majority() {
		ctx.KV.Set(VKKey(byte(kind)), msg.VK)
	}
	m.finishIfAgreed(ctx, c)
	return nil
}

// keyOf returns the key vote of voter for circ, if any.
func (c *Ceremony) keyOf(circ string, voter []byte) *KeyVote {
	for i := range c.Keys {
		if c.Keys[i].Circuit == circ && bytes.Equal(c.Keys[i].Voter, voter) {
			return &c.Keys[i]
		}
	}
	return nil
}

// agreed counts the contributors that derived the key with hash sum.
func (c *Ceremony) agreed(circ string, sum []byte) int {
	n := 0
	for _, k := range c.Keys {
		if k.Circuit == circ && bytes.Equal(k.VKHash, sum) {
			n++
		}
	}
	return n
}

// AgreedKey returns the hash of circ's key a majority derived, if any.
func (c *Ceremony) AgreedKey(circ string) []byte {
	for _, k := range c.Keys {
		if k.Circuit == circ && c.agreed(circ, k.VKHash) >= c.Majority() {
			return k.VKHash
		}
	}
	return nil
}

// finishIfAgreed marks the ceremony done once every circuit has an agreed
// key, and failed when a circuit's keys are all in and none has a
// majority; the candidates are then forgotten.
func (m *Module) finishIfAgreed(ctx *module.Context, c *Ceremony) {
	done := true
	for _, circ := range c.Circuits {
		if c.AgreedKey(circ) != nil {
			continue
		}
		done = false
		n := 0
		for _, k := range c.Keys {
			if k.Circuit == circ {
				n++
			}
		}
		if n == len(c.Contributors) {
			c.Failed = fmt.Sprintf("no majority derived the same %s verifying key", circ)
		}
	}
	if done {
		c.Done = true
	}
	if done || c.Failed != "" {
		m.endCeremony(ctx, c)
	}
}

// endCeremony reports a done or failed ceremony and forgets the
// candidate keys.
func (m *Module) endCeremony(ctx *module.Context, c *Ceremony) {
	if c.Done {
		emitCeremony(ctx, "done", c.Stage)
	} else {
		emitCeremony(ctx, "failed", c.Stage, module.Attr(AttrReason, c.Failed))
	}
	for _, k := range c.Keys {
		ctx.KV.Delete(CandidateVKKey(k.VKHash))
	}
}

// circuitKind maps a circuit's name to its kind.
func circuitKind(name string) (circuit.Kind, bool) {
	for _, k := range circuit.Kinds {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

// startCeremony fixes the contributors of a ceremony waiting for them
// once enough gatekeepers are appointed: the first Wanted, in order.
func (m *Module) startCeremony(ctx *module.Context) {
	if ctx.KV.Get(keyCeremonyWaiting) == nil {
		return
	}
	c, ok := m.Keeper.Ceremony(ctx.KV)
	order := keys.Keeper{}.Order(ctx.KV)
	if !ok || len(order) < int(c.Wanted) {
		return
	}
	for _, id := range order[:c.Wanted] {
		c.Contributors = append(c.Contributors, Hex(bytes.Clone(id[:])))
	}
	c.Started, c.TurnStart = ctx.Height, ctx.Height
	m.saveCeremony(ctx, &c)
	ctx.KV.Delete(keyCeremonyWaiting)
	emitCeremony(ctx, "started", 0)
}
