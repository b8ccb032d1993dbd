package agents

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Module is the agents module.
type Module struct {
	contracts *contracts.Module
	clusters  *clusters.Module
	registry  *registry.Module
	bank      balances.Keeper
	pools     Pools
}

// Pools is what the agents module needs of stake pools: the pool a worker
// is in, and paying a pool a reward from an account. The stakepool module
// implements it.
type Pools interface {
	WorkerPool(kv state.KV, w registry.WorkerID) (uint64, bool)
	PayReward(ctx *module.Context, from address.Address, pool uint64, amount pha.Amount) error
}

// SetPools installs the stake pools that receive the network part of usage
// fees of workers in a pool; without, it goes to the worker's operator.
func (m *Module) SetPools(p Pools) { m.pools = p }

var _ module.Module = (*Module)(nil)

// New returns the agents module over the modules it uses.
func New(ct *contracts.Module, cl *clusters.Module, reg *registry.Module) *Module {
	return &Module{contracts: ct, clusters: cl, registry: reg}
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) { registerMsgs(reg) }

// InitGenesis implements module.Module.
func (*Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if err := module.DecodeGenesis(raw, &g); err != nil {
		return fmt.Errorf("agents genesis: %w", err)
	}
	p := DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	p = p.withDefaults()
	if p.TreasuryBps > 10_000 || p.MaxSecrets <= 0 {
		return fmt.Errorf("agents genesis: treasury_bps at most 10000 and max_secrets positive")
	}
	if p.ReceiptWindow < MinReceiptWindow || p.ReceiptWindow > math.MaxInt64/1000 {
		return fmt.Errorf("agents genesis: receipt_window_s %d, want at least %d", p.ReceiptWindow, MinReceiptWindow)
	}
	raw, _ = json.Marshal(p)
	ctx.KV.Set(keyParams, raw)
	return nil
}

// EndBlock implements module.Module: it forgets the receipt ids whose
// window has passed.
func (m *Module) EndBlock(ctx *module.Context) error {
	m.pruneReceipts(ctx)
	return nil
}

// Params reads the module parameters.
func (*Module) Params(kv state.KV) Params {
	var p Params
	state.DecodeJSON(kv.Get(keyParams), &p, "agents params")
	// A chain started before the receipt window existed stored none.
	return p.withDefaults()
}

// Agent returns an agent record.
func (*Module) Agent(kv state.KV, id [32]byte) (Agent, bool) {
	raw := kv.Get(AgentKey(id))
	if raw == nil {
		return Agent{}, false
	}
	var a Agent
	if err := json.Unmarshal(raw, &a); err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("agent %x: %w", id, err)})
	}
	return a, true
}

func (*Module) setAgent(kv state.KV, a Agent) {
	raw, _ := json.Marshal(a)
	kv.Set(AgentKey([32]byte(a.ID)), raw)
}

// Escrow returns an account's prepaid balance.
func (*Module) Escrow(kv state.KV, a address.Address) pha.Amount {
	b := kv.Get(EscrowKey(a))
	if b == nil {
		return pha.Amount{}
	}
	v, err := pha.FromBytes(b)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("escrow of %s: %w", a, err)})
	}
	return v
}

func (*Module) setEscrow(kv state.KV, a address.Address, v pha.Amount) {
	if v.IsZero() {
		kv.Delete(EscrowKey(a))
		return
	}
	kv.Set(EscrowKey(a), v.Bytes())
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgDeploy:
		return m.deploy(ctx, sender, msg)
	case *MsgDeposit:
		return m.deposit(ctx, sender, msg)
	case *MsgRegisterKey:
		return m.registerKey(ctx, sender, msg)
	case *MsgRevokeKey:
		k, ok := m.APIKey(ctx.KV, msg.Hash)
		if !ok || k.Account != sender {
			return fmt.Errorf("%w: %x", ErrUnknownAPIKey, msg.Hash)
		}
		ctx.KV.Delete(APIKeyKey(msg.Hash))
		ctx.Emit(EventAPIKey, module.Indexed(AttrAccount, sender.String()), module.Attr(AttrAction, "revoke"))
		return nil
	}
	// The rest are owner operations on one agent.
	var id [32]byte
	switch msg := msg.(type) {
	case *MsgUpgrade:
		id = msg.Agent
	case *MsgSetPaused:
		id = msg.Agent
	case *MsgSetPolicy:
		id = msg.Agent
	case *MsgSetPrice:
		id = msg.Agent
	case *MsgTransfer:
		id = msg.Agent
	case *MsgSetSecrets:
		id = msg.Agent
	default:
		return fmt.Errorf("%w: agents cannot handle %s", tx.ErrUnknownMsg, msg.Type())
	}
	a, ok := m.Agent(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownAgent, id)
	}
	if a.Owner != sender {
		return fmt.Errorf("%w: %x", ErrNotOwner, id)
	}
	action := msg.Type()
	switch msg := msg.(type) {
	case *MsgUpgrade:
		if err := m.contracts.SetCode(ctx, id, msg.Code); err != nil {
			return err
		}
	case *MsgSetPaused:
		a.Paused = msg.Paused
	case *MsgSetPolicy:
		if err := m.checkPolicy(ctx.KV, msg.Policy); err != nil {
			return err
		}
		a.Policy = msg.Policy
	case *MsgSetPrice:
		a.Price = msg.Price
	case *MsgTransfer:
		a.Owner = msg.NewOwner
		if err := m.contracts.SetOwner(ctx, id, msg.NewOwner); err != nil {
			return err
		}
	case *MsgSetSecrets:
		if err := m.checkSecrets(ctx, id, msg.Envelope); err != nil {
			return err
		}
		c, _ := m.contracts.Contract(ctx.KV, id)
		a.Secrets, a.SecretsEpoch = append(Hex(nil), msg.Envelope...), c.KeyEpoch
	}
	m.setAgent(ctx.KV, a)
	ctx.Emit(EventUpdated, module.Indexed(AttrAgent, hex.EncodeToString(id[:])), module.Attr(AttrAction, action))
	return nil
}

func (m *Module) checkPolicy(kv state.KV, p Policy) error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.Kind == PolicyContract {
		c, ok := m.contracts.Contract(kv, [32]byte(p.Contract))
		if !ok || c.Kind == contracts.KindAgent {
			return fmt.Errorf("%w: %x is not a contract", ErrBadPolicy, []byte(p.Contract))
		}
	}
	return nil
}

// checkSecrets requires an envelope sealed to the agent's current key: the
// recipient is in the clear, so the chain can refuse one no enclave opens.
func (m *Module) checkSecrets(ctx *module.Context, id [32]byte, raw []byte) error {
	if len(raw) > m.Params(ctx.KV).MaxSecrets {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrSecretsTooBig, len(raw), m.Params(ctx.KV).MaxSecrets)
	}
	env, err := envelope.Decode(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSecrets, err)
	}
	c, _ := m.contracts.Contract(ctx.KV, id)
	if len(c.ECDHKey) == 0 {
		return ErrNoKeys
	}
	if env.Purpose != envelope.PurposeAgentSecret || string(env.Recipient[:]) != string(c.ECDHKey) {
		return fmt.Errorf("%w: purpose %q, recipient %x", ErrBadSecrets, env.Purpose, env.Recipient[:8])
	}
	return nil
}

func (m *Module) deploy(ctx *module.Context, sender address.Address, msg *MsgDeploy) error {
	if err := m.checkPolicy(ctx.KV, msg.Policy); err != nil {
		return err
	}
	c, err := m.contracts.CreateKeyed(ctx, sender, msg.Code, msg.Cluster, contracts.KindAgent)
	if err != nil {
		return err
	}
	a := Agent{ID: c.ID, Owner: sender, Policy: msg.Policy, Price: msg.Price, Created: ctx.Height}
	m.setAgent(ctx.KV, a)
	ctx.KV.Set(keyList, append(append([]byte(nil), ctx.KV.Get(keyList)...), c.ID...))
	ctx.Emit(EventDeployed, module.Indexed(AttrAgent, hex.EncodeToString(c.ID)), module.Indexed(AttrOwner, sender.String()))
	return nil
}

func (m *Module) deposit(ctx *module.Context, sender address.Address, msg *MsgDeposit) error {
	cur := m.Escrow(ctx.KV, sender)
	if msg.Withdraw {
		rest, err := cur.Sub(msg.Amount)
		if err != nil {
			return fmt.Errorf("%w: escrow holds %s, asked %s", ErrEscrow, cur.PHA(), msg.Amount.PHA())
		}
		if err := m.bank.Transfer(ctx.KV, EscrowAccount, sender, msg.Amount); err != nil {
			return err
		}
		m.setEscrow(ctx.KV, sender, rest)
	} else {
		if err := m.bank.Transfer(ctx.KV, sender, EscrowAccount, msg.Amount); err != nil {
			return err
		}
		sum, err := cur.Add(msg.Amount)
		if err != nil {
			return err
		}
		m.setEscrow(ctx.KV, sender, sum)
	}
	ctx.Emit(EventEscrow, module.Indexed(AttrAccount, sender.String()), module.Attr(AttrAction, msg.Type()), module.Attr(AttrAmount, msg.Amount.String()))
	return nil
}

// APIKey returns a registered API key.
func (*Module) APIKey(kv state.KV, hash [32]byte) (APIKey, bool) {
	raw := kv.Get(APIKeyKey(hash))
	if raw == nil {
		return APIKey{}, false
	}
	var k APIKey
	state.DecodeJSON(raw, &k, "api key")
	return k, true
}

func (m *Module) registerKey(ctx *module.Context, sender address.Address, msg *MsgRegisterKey) error {
	if _, ok := m.APIKey(ctx.KV, msg.Hash); ok {
		return ErrAPIKeyExists
	}
	k := APIKey{Hash: msg.Hash[:], Account: sender, Expires: msg.Expires}
	if msg.Agent != ([32]byte{}) {
		if _, ok := m.Agent(ctx.KV, msg.Agent); !ok {
			return fmt.Errorf("%w: %x", ErrUnknownAgent, msg.Agent)
		}
		k.Agent = msg.Agent[:]
	}
	raw, _ := json.Marshal(k)
	ctx.KV.Set(APIKeyKey(msg.Hash), raw)
	ctx.Emit(EventAPIKey, module.Indexed(AttrAccount, sender.String()), module.Attr(AttrAction, "register"))
	return nil
}

// List returns every agent id in creation order.
func (*Module) List(kv state.KV) [][32]byte {
	b := kv.Get(keyList)
	out := make([][32]byte, 0, len(b)/32)
	for i := 0; i+32 <= len(b); i += 32 {
		out = append(out, [32]byte(b[i:i+32]))
	}
	return out
}
