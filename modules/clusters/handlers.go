package clusters

import (
	"crypto/ed25519"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// handleCreate creates a cluster owned by the sender, under the current
// master-key generation.
func (m *Module) handleCreate(ctx *module.Context, sender address.Address, _ *MsgCreate) error {
	id := m.Keeper.newID(ctx.KV, ctx.ChainID)
	c := Cluster{ID: id[:], Owner: sender, Members: []keys.Hex{}, Holders: []keys.Hex{}, Created: ctx.Height}
	if g, ok := m.keys.Keeper.Current(ctx.KV); ok {
		c.Generation = g.Number
	}
	m.Keeper.setCluster(ctx.KV, c)
	emitCreated(ctx, id, sender)
	return nil
}

// handleMember adds a worker to, or removes it from, a cluster the sender
// owns.
func (m *Module) handleMember(ctx *module.Context, sender address.Address, msg *MsgMember) error {
	c, ok := m.Keeper.Cluster(ctx.KV, msg.Cluster)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, msg.Cluster)
	}
	if c.Owner != sender {
		return fmt.Errorf("%w: %x", ErrNotOwner, msg.Cluster)
	}
	if msg.Remove {
		return m.remove(ctx, c, msg.Worker)
	}
	return m.add(ctx, c, msg.Worker)
}

func (m *Module) add(ctx *module.Context, c Cluster, w [32]byte) error {
	rec, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(w))
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownWorker, w)
	}
	if !rec.Active() {
		return fmt.Errorf("%w: %x: %s", ErrRetired, w, rec.Retired.Reason)
	}
	if c.IsMember(w) {
		return fmt.Errorf("%w: %x", ErrAlreadyMember, w)
	}
	c.Members = append(c.Members, w[:])
	m.Keeper.setCluster(ctx.KV, c)
	emitMember(ctx, c, w, "add")
	return nil
}

// remove drops a member and starts a new epoch: the new key is derived and
// dispatched to the remaining members only, so the removed worker cannot
// read anything written after this block.
func (m *Module) remove(ctx *module.Context, c Cluster, w [32]byte) error {
	i := c.index(c.Members, w)
	if i < 0 {
		return fmt.Errorf("%w: %x", ErrNotMember, w)
	}
	c.Members = append(c.Members[:i:i], c.Members[i+1:]...)
	gen := c.Generation
	if g, ok := m.keys.Keeper.Current(ctx.KV); ok {
		gen = g.Number
	}
	c.startEpoch(gen)
	m.Keeper.setCluster(ctx.KV, c)
	emitMember(ctx, c, w, "remove", module.Attr(AttrEpoch, strconv.FormatUint(c.Epoch, 10)))
	return nil
}

// RetireWorker is the registry's retirement hook: the worker leaves every
// cluster it is in, each starting a new epoch it never receives.
func (m *Module) RetireWorker(ctx *module.Context, w registry.Worker) error {
	for _, id := range m.Keeper.IDs(ctx.KV) {
		c, _ := m.Keeper.Cluster(ctx.KV, id)
		if c.IsMember(w.ID) {
			if err := m.remove(ctx, c, w.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewGeneration moves every cluster to a new epoch under a new master-key
// generation; gatekeepers then derive and dispatch the new keys.
func (m *Module) NewGeneration(ctx *module.Context, generation uint64) {
	for _, id := range m.Keeper.IDs(ctx.KV) {
		c, _ := m.Keeper.Cluster(ctx.KV, id)
		c.startEpoch(generation)
		m.Keeper.setCluster(ctx.KV, c)
	}
}

// endBlock has nothing to do: clusters change only in transactions and mq
// messages.
func (*Module) endBlock(*module.Context) error { return nil }

// handleMQ consumes "clusters/..." messages from gatekeepers and members.
// Every payload starts with the cluster id and the epoch.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := mq.CheckOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	r := wire.NewReader(msg.Payload)
	var id [32]byte
	copy(id[:], r.Raw(32))
	epoch := r.Uvarint()
	c, ok := m.Keeper.Cluster(ctx.KV, id)
	if r.Err() == nil && !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, id)
	}
	if (msg.Topic == TopicPubKey || msg.Topic == TopicDispatch) && m.keys.Keeper.KeyTrafficPaused(ctx.KV, ctx.Height) {
		return fmt.Errorf("%w: until height %d", ErrPaused, m.keys.Keeper.ResumeHeight(ctx.KV))
	}
	switch msg.Topic {
	case TopicPubKey:
		return m.handlePubKey(ctx, msg.Origin.ID, id, c, epoch, r)
	case TopicDispatch:
		return m.handleDispatch(ctx, msg.Origin.ID, c, epoch, r)
	case TopicConfirm:
		return m.handleConfirm(ctx, msg.Origin.ID, id, c, epoch, r)
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
}

// handlePubKey records the epoch key's public keys, published by a
// gatekeeper holding the current master key.
func (m *Module) handlePubKey(ctx *module.Context, origin, id [32]byte, c Cluster, epoch uint64, r *wire.Reader) error {
	gen := r.Uvarint()
	sign, ecdhKey := r.Raw(32), r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	if err := m.checkHolder(ctx, origin, gen); err != nil {
		return err
	}
	if epoch != c.Epoch || gen != c.Generation {
		return fmt.Errorf("%w: %d/%d, cluster is at epoch %d of generation %d", ErrWrongEpoch, epoch, gen, c.Epoch, c.Generation)
	}
	if len(c.SignKey) != 0 {
		return fmt.Errorf("%w: epoch %d", ErrKeysPublished, epoch)
	}
	c.SignKey, c.ECDHKey = append(keys.Hex(nil), sign...), append(keys.Hex(nil), ecdhKey...)
	m.Keeper.setCluster(ctx.KV, c)
	emitKeys(ctx, id, epoch)
	return nil
}

// handleDispatch relays an encrypted epoch key from a gatekeeper holding
// the master key to a member.
func (m *Module) handleDispatch(ctx *module.Context, origin [32]byte, c Cluster, epoch uint64, r *wire.Reader) error {
	var member [32]byte
	copy(member[:], r.Raw(32))
	env := r.VarBytes(mq.MaxPayloadLen)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	if err := m.checkHolder(ctx, origin, c.Generation); err != nil {
		return err
	}
	if epoch != c.Epoch {
		return fmt.Errorf("%w: %d, cluster is at %d", ErrWrongEpoch, epoch, c.Epoch)
	}
	if !c.IsMember(member) {
		// The chain never relays a key to a non-member, whatever a
		// gatekeeper asks.
		return fmt.Errorf("%w: %x", ErrNotMember, member)
	}
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: member}, TopicDispatch, env)
	return nil
}

// handleConfirm marks a member as holding the epoch key once it proves it
// by signing with it.
func (m *Module) handleConfirm(ctx *module.Context, member, id [32]byte, c Cluster, epoch uint64, r *wire.Reader) error {
	sig := r.Raw(ed25519.SignatureSize)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	if !c.IsMember(member) {
		return fmt.Errorf("%w: %x", ErrNotMember, member)
	}
	if epoch != c.Epoch {
		return fmt.Errorf("%w: %d, cluster is at %d", ErrWrongEpoch, epoch, c.Epoch)
	}
	if len(c.SignKey) == 0 {
		return ErrNoKeys
	}
	if !ed25519.Verify(ed25519.PublicKey(c.SignKey), ConfirmSignBytes(ctx.ChainID, id, member, epoch), sig) {
		return ErrBadConfirm
	}
	if !c.Holds(member) {
		c.Holders = append(c.Holders, member[:])
		m.Keeper.setCluster(ctx.KV, c)
	}
	return nil
}

// checkHolder requires the origin to be a gatekeeper holding generation gen
// as the current master key.
func (m *Module) checkHolder(ctx *module.Context, origin [32]byte, gen uint64) error {
	gk, ok := m.keys.Keeper.Gatekeeper(ctx.KV, origin)
	cur, have := m.keys.Keeper.Current(ctx.KV)
	if !ok || !gk.Holds || !have || cur.Number != gen {
		return fmt.Errorf("%w: %x", ErrNotHolder, origin)
	}
	return nil
}

// HandleMQ is the mq handler of "clusters/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
