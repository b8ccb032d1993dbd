package contracts

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the contracts module.
type Module struct {
	clusters *clusters.Module
	queue    *mq.Module
	pools    Pools
	registry *registry.Module
}

var _ module.Module = (*Module)(nil)

// New returns the contracts module over the modules it reads and writes.
func New(cl *clusters.Module, queue *mq.Module) *Module {
	return &Module{clusters: cl, queue: queue}
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (m *Module) RegisterMsgs(reg *tx.Registry) { m.registerMsgs(reg) }

// InitGenesis implements module.Module.
func (*Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("contracts genesis: %w", err)
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	if p.MaxCodeSize <= 0 || p.MaxInputSize <= 0 || p.CommandGas == 0 {
		return fmt.Errorf("contracts genesis: max_code_size, max_input_size and command_gas must be positive")
	}
	raw, _ = json.Marshal(p)
	ctx.KV.Set(keyParams, raw)
	return nil
}

// EndBlock implements module.Module.
func (*Module) EndBlock(*module.Context) error { return nil }

// Params reads the module parameters.
func (*Module) Params(kv state.KV) Params {
	var p Params
	state.DecodeJSON(kv.Get(keyParams), &p, "contracts params")
	return p
}

// Contract returns a contract record.
func (*Module) Contract(kv state.KV, id [32]byte) (Contract, bool) {
	raw := kv.Get(ContractKey(id))
	if raw == nil {
		return Contract{}, false
	}
	var c Contract
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("contract %x: %w", id, err)})
	}
	return c, true
}

func (*Module) setContract(kv state.KV, c Contract) {
	raw, _ := json.Marshal(c)
	kv.Set(ContractKey([32]byte(c.ID)), raw)
}

// CodeInfo returns a stored code's record.
func (*Module) CodeInfo(kv state.KV, hash [32]byte) (Code, bool) {
	raw := kv.Get(state.Key(prefixCodeInfo, hash[:]))
	if raw == nil {
		return Code{}, false
	}
	var c Code
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("code %x: %w", hash, err)})
	}
	return c, true
}

// ContractOrigin is a contract as an mq origin.
func ContractOrigin(id [32]byte) mq.Origin { return mq.Origin{Kind: mq.OriginContract, ID: id} }

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgUpload:
		return m.upload(ctx, sender, msg)
	case *MsgInstantiate:
		return m.instantiate(ctx, sender, msg)
	case *MsgExec:
		return m.exec(ctx, sender, msg)
	case *MsgUpgrade:
		return m.upgrade(ctx, sender, msg)
	}
	return fmt.Errorf("%w: contracts cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

func (m *Module) upload(ctx *module.Context, sender address.Address, msg *MsgUpload) error {
	p := m.Params(ctx.KV)
	if len(msg.Code) > p.MaxCodeSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrCodeTooLarge, len(msg.Code), p.MaxCodeSize)
	}
	hash := sha256.Sum256(msg.Code)
	if _, ok := m.CodeInfo(ctx.KV, hash); !ok {
		ctx.KV.Set(CodeKey(hash), msg.Code)
		raw, _ := json.Marshal(Code{Hash: hash[:], Size: len(msg.Code), Uploader: sender, Height: ctx.Height})
		ctx.KV.Set(state.Key(prefixCodeInfo, hash[:]), raw)
	}
	ctx.Emit(EventCodeStored, module.Indexed(AttrCode, hex.EncodeToString(hash[:])), module.Indexed(AttrSender, sender.String()))
	return nil
}

func (m *Module) instantiate(ctx *module.Context, sender address.Address, msg *MsgInstantiate) error {
	p := m.Params(ctx.KV)
	if _, ok := m.CodeInfo(ctx.KV, msg.Code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, msg.Code)
	}
	cl, ok := m.clusters.Cluster(ctx.KV, msg.Cluster)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, msg.Cluster)
	}
	if len(msg.Args) > p.MaxInputSize {
		return fmt.Errorf("%w: constructor arguments of %d bytes, limit %d", ErrTooLarge, len(msg.Args), p.MaxInputSize)
	}
	args := msg.Args
	if len(args) == 0 {
		args = []byte("null")
	}
	if !json.Valid(args) {
		return ErrInvalidArgs
	}
	gas, err := gasFor(p, msg.Gas)
	if err != nil {
		return err
	}
	c := m.create(ctx, sender, msg.Code, cl, msg.Upgradable, KindContract)
	m.queueInput(ctx, &c, Input{Kind: InputInit, Sender: sender, Gas: gas, Body: args})
	return nil
}

// create makes a contract record in a cluster and lists it.
func (m *Module) create(ctx *module.Context, owner address.Address, code [32]byte, cl clusters.Cluster, upgradable bool, kind string) Contract {
	n := uint64(0)
	if raw := ctx.KV.Get(keyCounter); raw != nil {
		n = binary.BigEndian.Uint64(raw)
	}
	ctx.KV.Set(keyCounter, binary.BigEndian.AppendUint64(nil, n+1))
	id := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phala/contract/"+ctx.ChainID+"\x00"), n))
	c := Contract{
		ID: id[:], Kind: kind, Owner: owner, Cluster: cl.ID, Code: code[:], Upgradable: upgradable,
		Versions: []Version{{Code: code[:], FromInput: 0, Height: ctx.Height}},
		KeyEpoch: cl.Epoch, CreatedEpoch: cl.Epoch, Created: ctx.Height,
	}
	ctx.KV.Set(keyList, append(append([]byte(nil), ctx.KV.Get(keyList)...), id[:]...))
	byCluster := ClusterContractsKey([32]byte(cl.ID))
	ctx.KV.Set(byCluster, append(append([]byte(nil), ctx.KV.Get(byCluster)...), id[:]...))
	m.setContract(ctx.KV, c)
	ctx.Emit(EventCreated, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Indexed(AttrOwner, owner.String()),
		module.Indexed(AttrCluster, hex.EncodeToString(cl.ID)), module.Attr(AttrCode, hex.EncodeToString(code[:])), module.Attr(AttrKind, kind))
	return c
}

// CreateKeyed makes a keyed instance of stored code in a cluster for
// another module (an AI agent): it gets an id, contract keys per cluster
// epoch and a code history, but no ordered input. It returns the record.
func (m *Module) CreateKeyed(ctx *module.Context, owner address.Address, code, cluster [32]byte, kind string) (Contract, error) {
	if _, ok := m.CodeInfo(ctx.KV, code); !ok {
		return Contract{}, fmt.Errorf("%w: %x", ErrUnknownCode, code)
	}
	cl, ok := m.clusters.Cluster(ctx.KV, cluster)
	if !ok {
		return Contract{}, fmt.Errorf("%w: %x", ErrUnknownCluster, cluster)
	}
	c := m.create(ctx, owner, code, cl, true, kind)
	m.notify(ctx, c)
	return c, nil
}

// SetCode records new code for a keyed instance; SetOwner hands it over.
// Both are for the module that made it with CreateKeyed.
func (m *Module) SetCode(ctx *module.Context, id, code [32]byte) error {
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	if _, ok := m.CodeInfo(ctx.KV, code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, code)
	}
	c.Code = code[:]
	c.Versions = append(c.Versions, Version{Code: code[:], FromInput: c.Inputs, Height: ctx.Height})
	m.setContract(ctx.KV, c)
	m.notify(ctx, c)
	return nil
}

// SetOwner hands a keyed instance to a new owner.
func (m *Module) SetOwner(ctx *module.Context, id [32]byte, owner address.Address) error {
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	c.Owner = owner
	m.setContract(ctx.KV, c)
	return nil
}

func gasFor(p Params, asked uint64) (uint64, error) {
	switch {
	case asked == 0:
		return p.CommandGas, nil
	case asked > p.CommandGas:
		return 0, fmt.Errorf("%w: asked %d, limit %d", ErrGasLimit, asked, p.CommandGas)
	}
	return asked, nil
}

// queueInput appends an input to the contract's ordered input and saves
// the contract.
func (m *Module) queueInput(ctx *module.Context, c *Contract, in Input) {
	in.Height = ctx.Height
	in.TimeMillis = ctx.Time.UnixMilli()
	seq := m.queue.Send(ctx, ContractOrigin([32]byte(c.ID)), TopicInput, in.Encode())
	c.Inputs = seq + 1
	m.setContract(ctx.KV, *c)
	m.notify(ctx, *c)
	ctx.Emit(EventInput, module.Indexed(AttrContract, hex.EncodeToString(c.ID)), module.Indexed(AttrSender, in.Sender.String()),
		module.Attr(AttrInput, strconv.FormatUint(seq, 10)), module.Attr(AttrKind, strconv.Itoa(int(in.Kind))))
}

func (m *Module) exec(ctx *module.Context, sender address.Address, msg *MsgExec) error {
	p := m.Params(ctx.KV)
	c, ok := m.Contract(ctx.KV, msg.Contract)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, msg.Contract)
	}
	if c.Kind == KindAgent {
		return fmt.Errorf("%w: %x", ErrNotContract, msg.Contract)
	}
	if len(msg.Envelope) > p.MaxInputSize {
		return fmt.Errorf("%w: command of %d bytes, limit %d", ErrTooLarge, len(msg.Envelope), p.MaxInputSize)
	}
	if err := m.checkKeysCurrent(ctx.KV, c); err != nil {
		return err
	}
	env, err := envelope.Decode(msg.Envelope)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	if env.Purpose != envelope.PurposeContractCommand {
		return fmt.Errorf("%w: purpose %q, want %q", ErrBadEnvelope, env.Purpose, envelope.PurposeContractCommand)
	}
	// The recipient is in the clear: refusing a stale key keeps a command
	// from being readable by a worker removed from the cluster since.
	if string(env.Recipient[:]) != string(c.ECDHKey) {
		return fmt.Errorf("%w: sealed to %x, contract key of epoch %d is %x", ErrWrongRecipient, env.Recipient[:8], c.KeyEpoch, []byte(c.ECDHKey)[:8])
	}
	// The sender is authenticated inside the envelope: copying someone
	// else's command into one's own transaction fails here, and the
	// contract can trust the caller it is told.
	if string(env.Sender) != string(sender[:]) {
		return fmt.Errorf("%w: envelope sender %x, transaction sender %s", ErrWrongSender, env.Sender, sender)
	}
	seen := state.Key(prefixSeen, sha256Of(msg.Envelope))
	if ctx.KV.Get(seen) != nil {
		return ErrReplayedCommand
	}
	ctx.KV.Set(seen, binary.BigEndian.AppendUint64(nil, uint64(ctx.Height)))
	gas, err := gasFor(p, msg.Gas)
	if err != nil {
		return err
	}
	m.queueInput(ctx, &c, Input{Kind: InputCommand, Sender: sender, Gas: gas, Body: msg.Envelope})
	return m.holdFee(ctx, sender, msg.Contract, c.Inputs-1, p.CommandFee)
}

func sha256Of(b []byte) []byte { h := sha256.Sum256(b); return h[:] }

// checkKeysCurrent requires the contract's keys to be published for the
// cluster's current epoch.
func (m *Module) checkKeysCurrent(kv state.KV, c Contract) error {
	cl, ok := m.clusters.Cluster(kv, [32]byte(c.Cluster))
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, []byte(c.Cluster))
	}
	if len(c.ECDHKey) == 0 || c.KeyEpoch != cl.Epoch {
		return fmt.Errorf("%w: cluster epoch %d, keys published for epoch %d", ErrNoKeys, cl.Epoch, c.KeyEpoch)
	}
	return nil
}

func (m *Module) upgrade(ctx *module.Context, sender address.Address, msg *MsgUpgrade) error {
	c, ok := m.Contract(ctx.KV, msg.Contract)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, msg.Contract)
	}
	if c.Kind == KindAgent {
		return fmt.Errorf("%w: %x", ErrNotContract, msg.Contract)
	}
	if c.Owner != sender {
		return fmt.Errorf("%w: %x", ErrNotOwner, msg.Contract)
	}
	if !c.Upgradable {
		return fmt.Errorf("%w: %x", ErrNotUpgradable, msg.Contract)
	}
	if _, ok := m.CodeInfo(ctx.KV, msg.Code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, msg.Code)
	}
	c.Code = msg.Code[:]
	c.Versions = append(c.Versions, Version{Code: msg.Code[:], FromInput: c.Inputs, Height: ctx.Height})
	m.queueInput(ctx, &c, Input{Kind: InputUpgrade, Sender: sender, Body: msg.Code[:]})
	return nil
}

// ResolveContractKey is the mq key resolver for contract origins: the
// contract's current signing key. Replicas re-sign a pending result with
// the current key when the epoch moves under it.
func (m *Module) ResolveContractKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	c, ok := m.Contract(kv, id)
	if !ok {
		return nil, fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	if len(c.SignKey) == 0 {
		return nil, ErrNoKeys
	}
	return ed25519.PublicKey(c.SignKey), nil
}

// List returns every contract id in creation order.
func (*Module) List(kv state.KV) [][32]byte { return decodeIDs(kv.Get(keyList)) }
