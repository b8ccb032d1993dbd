package keys

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Topics of the keys module. Worker-to-chain topics come from gatekeeper
// enclaves; chain-to-worker ones reach a gatekeeper's inbox.
const (
	// TopicMasterPubKey (first gatekeeper to chain): generation uvarint,
	// ed25519 public key (32), X25519 public key (32).
	TopicMasterPubKey = "keys/master_pubkey"
	// TopicShare (holding gatekeeper to chain, then chain to the new
	// gatekeeper): recipient worker id (32), then an envelope holding the
	// master key history, encrypted to the recipient's ECDH key.
	TopicShare = "keys/share"
	// TopicConfirm (new gatekeeper to chain): generation uvarint and a
	// signature by the master key over ConfirmSignBytes, proving it holds
	// the key.
	TopicConfirm = "keys/confirm"
	// TopicAssigned (chain to worker): the worker became a gatekeeper.
	TopicAssigned = "keys/assigned"
)

// ConfirmDomain prefixes what a gatekeeper signs with the master key to
// confirm it holds it.
const ConfirmDomain = "phala/keys/confirm/v1\x00"

// ConfirmSignBytes is what a new gatekeeper signs with the master key.
func ConfirmSignBytes(chainID string, worker [32]byte, generation uint64) []byte {
	w := wire.NewWriter(96)
	w.Raw([]byte(ConfirmDomain))
	w.String(chainID)
	w.Raw(worker[:])
	w.Uvarint(generation)
	return w.Bytes()
}

// Genesis is the keys section of the genesis app state.
type Genesis struct {
	// Authority is a bootstrapping key authority for devnets and tests: it
	// may add gatekeepers and start rotations alongside the DAO. A chain
	// that carries value leaves it out, and then only the DAO can.
	Authority address.Address `json:"authority"`
	// Params govern rotation and the bond; absent, DefaultParams. A zero
	// unbond_delay takes DefaultUnbondDelay.
	Params *Params `json:"params,omitempty"`
	// GatekeeperOperators are the genesis gatekeepers: the first worker
	// each of these accounts registers becomes a gatekeeper, in the order
	// they register. (Worker ids do not exist before the enclaves start.)
	GatekeeperOperators []address.Address `json:"gatekeeper_operators,omitempty"`
}

// Module is the keys module.
type Module struct {
	Keeper       Keeper
	registry     *registry.Module
	queue        *mq.Module
	onGeneration func(ctx *module.Context, generation uint64)
	// governor is the DAO's module account: it is always the authority.
	governor address.Address
}

// SetGovernor makes gov (the DAO's module account) the key authority: its
// proposals add gatekeepers and start rotations through the same handlers.
// The genesis authority, if any, keeps working alongside it (devnets only).
func (m *Module) SetGovernor(gov address.Address) { m.governor = gov }

// Governor is the DAO's module account set by SetGovernor.
func (m *Module) Governor() address.Address { return m.governor }

// authorized reports whether sender may act as the key authority: the DAO
// always; the genesis authority only where genesis named one.
func (m *Module) authorized(kv state.KV, sender address.Address) bool {
	if !m.governor.IsZero() && sender == m.governor {
		return true
	}
	auth := m.Keeper.Authority(kv)
	return !auth.IsZero() && auth == sender
}

var _ module.Module = (*Module)(nil)

// New returns the keys module; it reads worker records from reg and talks
// to gatekeepers through queue.
func New(reg *registry.Module, queue *mq.Module) *Module {
	m := &Module{registry: reg, queue: queue}
	reg.OnRegistered(m.appointGenesisGatekeeper)
	return m
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeAddGatekeeper, decodeAddGatekeeper)
	reg.Register(TypeRotate, func(*wire.Reader) tx.Msg { return &MsgRotate{} })
	reg.Register(TypeBond, decodeBond)
	reg.Register(TypeUnbond, decodeUnbond)
}

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	if !g.Authority.IsZero() {
		ctx.KV.Set(keyAuthority, g.Authority[:])
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
		if p.UnbondDelay == 0 {
			p.UnbondDelay = DefaultUnbondDelay
		}
	}
	if err := p.Validate(); err != nil {
		return err
	}
	ctx.KV.Set(keyParams, state.EncodeJSON(p))
	var ops []byte
	for _, a := range g.GatekeeperOperators {
		ops = append(ops, a[:]...)
	}
	if len(ops) > 0 {
		ctx.KV.Set(keyGenesisOps, ops)
	}
	return nil
}

// appointGenesisGatekeeper is the registry hook: a newly registered worker
// of a genesis gatekeeper operator becomes a gatekeeper, and that operator's
// slot is used up.
func (m *Module) appointGenesisGatekeeper(ctx *module.Context, w registry.Worker, isNew bool) error {
	ops := ctx.KV.Get(keyGenesisOps)
	if !isNew || len(ops) == 0 {
		return nil
	}
	for i := 0; i+address.Size <= len(ops); i += address.Size {
		if string(ops[i:i+address.Size]) != string(w.Operator[:]) {
			continue
		}
		rest := append(append([]byte(nil), ops[:i]...), ops[i+address.Size:]...)
		if len(rest) == 0 {
			ctx.KV.Delete(keyGenesisOps)
		} else {
			ctx.KV.Set(keyGenesisOps, rest)
		}
		return m.addGatekeeper(ctx, [32]byte(w.ID))
	}
	return nil
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgRotate:
		return m.rotateRequest(ctx, sender)
	case *MsgBond:
		return m.bond(ctx, sender, msg)
	case *MsgUnbond:
		return m.unbond(ctx, sender, msg)
	}
	add, ok := msg.(*MsgAddGatekeeper)
	if !ok {
		return fmt.Errorf("%w: keys cannot handle %s", tx.ErrUnknownMsg, msg.Type())
	}
	if !m.authorized(ctx.KV, sender) {
		return fmt.Errorf("%w: %s", ErrUnauthorized, sender)
	}
	if _, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(add.Worker)); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownWorker, add.Worker)
	}
	return m.addGatekeeper(ctx, add.Worker)
}

func (m *Module) addGatekeeper(ctx *module.Context, id [32]byte) error {
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); ok {
		return fmt.Errorf("%w: %x", ErrAlreadyGK, id)
	}
	m.Keeper.SetGatekeeper(ctx.KV, id, Gatekeeper{Worker: id[:], Added: ctx.Height})
	m.Keeper.appendOrder(ctx.KV, id)
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginWorker, ID: id}, TopicAssigned, []byte{1})
	ctx.Emit(EventGatekeeperAdded, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)))
	return nil
}

// HandleMQ consumes gatekeepers' messages on "keys/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post %s", mq.ErrInvalidMessage, msg.Origin.Kind, msg.Topic)
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
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
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
	ctx.Emit(EventGeneration, module.Indexed(AttrGeneration, "0"), module.Attr(AttrSignKey, fmt.Sprintf("%x", sign)))
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
	ctx.Emit(EventConfirmed, module.Indexed(AttrWorker, fmt.Sprintf("%x", from)), module.Attr(AttrGeneration, strconv.FormatUint(gen, 10)))
	return nil
}

// Query implements module.Module: "state" answers State.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	if path != "state" {
		return nil, fmt.Errorf("%w: query path /keys/%s", tx.ErrNotFound, path)
	}
	s := State{Authority: m.Keeper.Authority(kv), Governor: m.governor, History: m.Keeper.History(kv), Gatekeepers: []Gatekeeper{}, Rotation: "idle",
		ResumeHeight: m.Keeper.ResumeHeight(kv), Params: m.Keeper.Params(kv), BondAccount: BondAccount}
	if r, ok := m.Keeper.Rotation(kv); ok {
		s.Rotation, s.Running = r.Phase, &r
	}
	if g, ok := m.Keeper.Current(kv); ok {
		s.Generation = &g
	}
	next := m.Keeper.NextRound(kv)
	s.CommittedAhead = []Hex{}
	unbonding := m.Keeper.Unbondings(kv)
	for _, id := range m.Keeper.Order(kv) {
		g, _ := m.Keeper.Gatekeeper(kv, id)
		g.Bonded = m.Keeper.Bonded(kv, id)
		g.Unbonding = append([]Unbonding{}, unbonding[id]...)
		s.Gatekeepers = append(s.Gatekeepers, g)
		if _, ok := m.Keeper.CommittedAheadFor(kv, id, next); ok {
			s.CommittedAhead = append(s.CommittedAhead, append(Hex(nil), id[:]...))
		}
	}
	return json.Marshal(s)
}
