package clusters

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Topics of the clusters module.
const (
	// TopicPubKey (gatekeeper to chain): cluster id, epoch uvarint,
	// generation uvarint, ed25519 public key (32), X25519 public key (32).
	TopicPubKey = "clusters/pubkey"
	// TopicDispatch (gatekeeper to chain, then chain to the member):
	// cluster id, epoch uvarint, member id, envelope bytes.
	TopicDispatch = "clusters/dispatch"
	// TopicConfirm (member to chain): cluster id, epoch uvarint and a
	// signature by the cluster key over ConfirmSignBytes.
	TopicConfirm = "clusters/confirm"
)

// ConfirmSignBytes is what a member signs with the cluster key to prove
// it holds the epoch key.
func ConfirmSignBytes(chainID string, cluster, member [32]byte, epoch uint64) []byte {
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/clusters/confirm/v1\x00"))
	w.String(chainID)
	w.Raw(cluster[:])
	w.Raw(member[:])
	w.Uvarint(epoch)
	return w.Bytes()
}

// Module is the clusters module.
type Module struct {
	registry *registry.Module
	keys     *keys.Module
	queue    *mq.Module
}

var _ module.Module = (*Module)(nil)

// New returns the clusters module over the modules it reads.
func New(reg *registry.Module, k *keys.Module, queue *mq.Module) *Module {
	return &Module{registry: reg, keys: k, queue: queue}
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeCreate, func(*wire.Reader) tx.Msg { return &MsgCreate{} })
	reg.Register(TypeAddWorker, decodeMember(false))
	reg.Register(TypeRemoveWorker, decodeMember(true))
}

// InitGenesis implements module.Module; clusters start empty.
func (*Module) InitGenesis(*module.Context, json.RawMessage) error { return nil }

// EndBlock implements module.Module.
func (*Module) EndBlock(*module.Context) error { return nil }

// Cluster returns a cluster record.
func (m *Module) Cluster(kv state.KV, id [32]byte) (Cluster, bool) {
	raw := kv.Get(ClusterKey(id))
	if raw == nil {
		return Cluster{}, false
	}
	var c Cluster
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("cluster %x: %w", id, err)})
	}
	return c, true
}

func (m *Module) set(kv state.KV, c Cluster) {
	raw, _ := json.Marshal(c)
	kv.Set(ClusterKey([32]byte(c.ID)), raw)
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgCreate:
		n := uint64(0)
		if raw := ctx.KV.Get(keyCounter); raw != nil {
			n = binary.BigEndian.Uint64(raw)
		}
		ctx.KV.Set(keyCounter, binary.BigEndian.AppendUint64(nil, n+1))
		id := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phala/cluster/"+ctx.ChainID+"\x00"), n))
		c := Cluster{ID: id[:], Owner: sender, Members: []keys.Hex{}, Holders: []keys.Hex{}, Created: ctx.Height}
		if g, ok := m.keys.Keeper.Current(ctx.KV); ok {
			c.Generation = g.Number
		}
		m.set(ctx.KV, c)
		ctx.KV.Set(keyList, append(append([]byte(nil), ctx.KV.Get(keyList)...), id[:]...))
		ctx.Emit(EventCreated, module.Indexed(AttrCluster, fmt.Sprintf("%x", id)), module.Indexed(AttrOwner, sender.String()))
		return nil
	case *MsgMember:
		c, ok := m.Cluster(ctx.KV, msg.Cluster)
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
	return fmt.Errorf("%w: clusters cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

func (m *Module) add(ctx *module.Context, c Cluster, w [32]byte) error {
	if _, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(w)); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownWorker, w)
	}
	if c.IsMember(w) {
		return fmt.Errorf("%w: %x", ErrAlreadyMember, w)
	}
	c.Members = append(c.Members, w[:])
	m.set(ctx.KV, c)
	ctx.Emit(EventMember, module.Indexed(AttrCluster, fmt.Sprintf("%x", []byte(c.ID))), module.Indexed(AttrWorker, fmt.Sprintf("%x", w)), module.Attr(AttrAction, "add"))
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
	m.set(ctx.KV, c)
	ctx.Emit(EventMember, module.Indexed(AttrCluster, fmt.Sprintf("%x", []byte(c.ID))), module.Indexed(AttrWorker, fmt.Sprintf("%x", w)),
		module.Attr(AttrAction, "remove"), module.Attr(AttrEpoch, strconv.FormatUint(c.Epoch, 10)))
	return nil
}

// NewGeneration moves every cluster to a new epoch under a new master-key
// generation; gatekeepers then derive and dispatch the new keys.
func (m *Module) NewGeneration(ctx *module.Context, generation uint64) {
	for _, id := range keys.DecodeOrder(ctx.KV.Get(keyList)) {
		c, _ := m.Cluster(ctx.KV, id)
		c.startEpoch(generation)
		m.set(ctx.KV, c)
	}
}

// HandleMQ consumes "clusters/..." messages from gatekeepers and members.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post %s", mq.ErrInvalidMessage, msg.Origin.Kind, msg.Topic)
	}
	r := wire.NewReader(msg.Payload)
	var id [32]byte
	copy(id[:], r.Raw(32))
	epoch := r.Uvarint()
	c, ok := m.Cluster(ctx.KV, id)
	if r.Err() == nil && !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, id)
	}
	if (msg.Topic == TopicPubKey || msg.Topic == TopicDispatch) && m.keys.Keeper.KeyTrafficPaused(ctx.KV, ctx.Height) {
		return fmt.Errorf("%w: until height %d", ErrPaused, m.keys.Keeper.ResumeHeight(ctx.KV))
	}
	switch msg.Topic {
	case TopicPubKey:
		gen := r.Uvarint()
		sign, ecdhKey := r.Raw(32), r.Raw(32)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
		}
		if err := m.checkHolder(ctx, msg.Origin.ID, gen); err != nil {
			return err
		}
		if epoch != c.Epoch || gen != c.Generation {
			return fmt.Errorf("%w: %d/%d, cluster is at epoch %d of generation %d", ErrWrongEpoch, epoch, gen, c.Epoch, c.Generation)
		}
		if len(c.SignKey) != 0 {
			return fmt.Errorf("%w: epoch %d", ErrKeysPublished, epoch)
		}
		c.SignKey, c.ECDHKey = append(keys.Hex(nil), sign...), append(keys.Hex(nil), ecdhKey...)
		m.set(ctx.KV, c)
		ctx.Emit(EventKeys, module.Indexed(AttrCluster, fmt.Sprintf("%x", id)), module.Attr(AttrEpoch, strconv.FormatUint(epoch, 10)))
		return nil
	case TopicDispatch:
		var member [32]byte
		copy(member[:], r.Raw(32))
		env := r.VarBytes(mq.MaxPayloadLen)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
		}
		if err := m.checkHolder(ctx, msg.Origin.ID, c.Generation); err != nil {
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
	case TopicConfirm:
		sig := r.Raw(ed25519.SignatureSize)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
		}
		member := msg.Origin.ID
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
			m.set(ctx.KV, c)
		}
		return nil
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
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

// Query implements module.Module: "list" and "cluster/<hex id>".
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case "list":
		out := []Cluster{}
		for _, id := range keys.DecodeOrder(kv.Get(keyList)) {
			c, _ := m.Cluster(kv, id)
			out = append(out, c)
		}
		return json.Marshal(out)
	case "cluster":
		var h keys.Hex
		if err := h.UnmarshalText([]byte(rest)); err != nil || len(h) != 32 {
			return nil, fmt.Errorf("%w: cluster id must be 64 hex characters", ErrUnknownCluster)
		}
		c, ok := m.Cluster(kv, [32]byte(h))
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownCluster, rest)
		}
		return json.Marshal(c)
	}
	return nil, fmt.Errorf("%w: query path /clusters/%s", tx.ErrNotFound, path)
}
