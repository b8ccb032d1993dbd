package agents

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes agents state. It holds no state of its own, so
// one value serves every context; the Module embeds it, so its readers are
// the module's.
type Keeper struct{}

// Params reads the module parameters.
func (Keeper) Params(kv state.KV) Params {
	p := module.LoadJSON(kv, keyParams, Params{}, "agents params")
	// A chain started before the receipt window existed stored none.
	return p.withDefaults()
}

func (Keeper) setParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Agent returns an agent record.
func (Keeper) Agent(kv state.KV, id [32]byte) (Agent, bool) {
	return module.GetJSON[Agent](kv, AgentKey(id), "agent %x", id)
}

func (Keeper) setAgent(kv state.KV, a Agent) { kv.Set(AgentKey([32]byte(a.ID)), state.EncodeJSON(a)) }

// List returns every agent id in creation order.
func (Keeper) List(kv state.KV) [][32]byte { return contracts.DecodeIDs(kv.Get(keyList)) }

// list adds a new agent to the list of all agents.
func (Keeper) list(kv state.KV, id [32]byte) { module.AppendID(kv, keyList, id) }

// Escrow returns an account's prepaid balance.
func (Keeper) Escrow(kv state.KV, a address.Address) pha.Amount {
	return module.GetAmount(kv, EscrowKey(a), "escrow of %s", a)
}

func (Keeper) setEscrow(kv state.KV, a address.Address, v pha.Amount) {
	module.SetAmount(kv, EscrowKey(a), v)
}

// APIKey returns a registered API key.
func (Keeper) APIKey(kv state.KV, hash [32]byte) (APIKey, bool) {
	return module.GetJSON[APIKey](kv, APIKeyKey(hash), "api key")
}

func (Keeper) setAPIKey(kv state.KV, k APIKey) {
	kv.Set(APIKeyKey([32]byte(k.Hash)), state.EncodeJSON(k))
}

func (Keeper) deleteAPIKey(kv state.KV, hash [32]byte) { kv.Delete(APIKeyKey(hash)) }

// ReceiptForgetAt returns the Unix millisecond until which a settled
// receipt's id is remembered, and false once it is not (never settled, or
// its window has passed).
func (Keeper) ReceiptForgetAt(kv state.KV, id [32]byte) (int64, bool) {
	raw := kv.Get(receiptKey(id))
	if len(raw) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(raw)), true
}

// settledBefore reports whether a receipt with this id was settled and is
// still remembered.
func (Keeper) settledBefore(kv state.KV, id [32]byte) bool { return kv.Get(receiptKey(id)) != nil }

// remember keeps a settled receipt's id until expiry (Unix ms), in the
// id's record and in an index ordered by expiry that EndBlock prunes from.
// Past expiry a receipt with that id is outside the window anyway: its
// Issued is at most expiry - window.
func (Keeper) remember(kv state.KV, id [32]byte, expiry int64) {
	at := state.Uint64(uint64(expiry))
	kv.Set(receiptKey(id), at)
	kv.Set(receiptExpiryKey(at, id), []byte{1})
}

// MaxPrunedReceipts bounds the receipt ids one EndBlock forgets, so a
// burst of expiries spreads over several blocks.
const MaxPrunedReceipts = 4096

// pruneReceipts forgets the ids of receipts whose window passed by now
// (Unix ms), at most MaxPrunedReceipts of them.
func (Keeper) pruneReceipts(kv state.KV, now int64) error {
	due, err := state.Due(kv, prefixReceiptExpiry, 32, uint64(now), MaxPrunedReceipts)
	if err != nil {
		return fmt.Errorf("receipt expiry: %w", err)
	}
	for _, e := range due {
		kv.Delete(e.Key)
		kv.Delete(receiptKey([32]byte(e.Rest)))
	}
	return nil
}

// Hold returns a worker's hold on a caller's escrow.
func (Keeper) Hold(kv state.KV, caller address.Address, worker [32]byte) (Hold, bool) {
	return module.GetJSON[Hold](kv, HoldKey(caller, worker), "hold of %s", caller)
}

// Held returns how much of a caller's escrow its holds set aside.
func (Keeper) Held(kv state.KV, caller address.Address) pha.Amount {
	return module.GetAmount(kv, HeldKey(caller), "held escrow of %s", caller)
}

func (Keeper) setHeld(kv state.KV, caller address.Address, v pha.Amount) {
	module.SetAmount(kv, HeldKey(caller), v)
}

// Free is the part of a caller's escrow no hold sets aside.
func (k Keeper) Free(kv state.KV, caller address.Address) pha.Amount {
	free, err := k.Escrow(kv, caller).Sub(k.Held(kv, caller))
	if err != nil {
		return pha.Amount{}
	}
	return free
}

// setHold saves a hold and indexes it by the height it ends at; old is
// its previous end (0 for a new hold), whose index entry goes.
func (Keeper) setHold(kv state.KV, h Hold, old int64) {
	w := [32]byte(h.Worker)
	if old != 0 {
		kv.Delete(holdExpiryKey(old, h.Caller, w))
	}
	kv.Set(HoldKey(h.Caller, w), state.EncodeJSON(h))
	kv.Set(holdExpiryKey(h.Expires, h.Caller, w), []byte{1})
}

// releaseHold ends a hold: what it still set aside is free again.
func (k Keeper) releaseHold(kv state.KV, h Hold) {
	w := [32]byte(h.Worker)
	held, _ := k.Held(kv, h.Caller).Sub(h.Remaining())
	k.setHeld(kv, h.Caller, held)
	kv.Delete(HoldKey(h.Caller, w))
	kv.Delete(holdExpiryKey(h.Expires, h.Caller, w))
}

// MaxReleasedHolds bounds the holds one EndBlock ends, so a burst of
// expiries spreads over several blocks.
const MaxReleasedHolds = 4096

// releaseHolds ends the holds whose end height is at most height, in
// height then caller then worker order, at most MaxReleasedHolds.
func (k Keeper) releaseHolds(kv state.KV, height int64) error {
	due, err := state.Due(kv, prefixHoldExpiry, address.Size+32, uint64(height), MaxReleasedHolds)
	if err != nil {
		return fmt.Errorf("hold expiry: %w", err)
	}
	for _, e := range due {
		kv.Delete(e.Key)
		if h, ok := k.Hold(kv, address.Address(e.Rest[:address.Size]), [32]byte(e.Rest[address.Size:])); ok {
			k.releaseHold(kv, h)
		}
	}
	return nil
}

// books are the records one receipt batch settles against: each caller's
// escrow, held sum and hold of the posting worker, and each agent's
// record, read and decoded at the first receipt that touches them and
// written once when the batch is done (a batch is mostly one caller's
// calls to one agent, which used to decode and encode the same records
// once per receipt). Nothing else the batch runs reads these keys, so a
// receipt sees what the receipts before it left, as before. Records are
// written in the order first touched, the same on every validator; a
// refused batch writes nothing, as its cache is dropped.
type books struct {
	m       *Module
	kv      state.KV
	worker  [32]byte
	callers map[address.Address]*callerBooks
	agents  map[[32]byte]*Agent
	order   []address.Address
	touched [][32]byte // agents, in the order first touched
}

// callerBooks is one caller's part of the books.
type callerBooks struct {
	escrow, held pha.Amount
	hold         Hold
	holding      bool // the posting worker holds this caller's escrow
}

func newBooks(m *Module, kv state.KV, worker [32]byte) *books {
	return &books{m: m, kv: kv, worker: worker, callers: map[address.Address]*callerBooks{}, agents: map[[32]byte]*Agent{}}
}

// caller is a caller's books, read on first use.
func (b *books) caller(a address.Address) *callerBooks {
	if c, ok := b.callers[a]; ok {
		return c
	}
	c := &callerBooks{escrow: b.m.Escrow(b.kv, a), held: b.m.Held(b.kv, a)}
	c.hold, c.holding = b.m.Hold(b.kv, a, b.worker)
	b.callers[a], b.order = c, append(b.order, a)
	return c
}

// agent is an agent's record, read on first use; false if there is none.
func (b *books) agent(id [32]byte) (*Agent, bool) {
	if a, ok := b.agents[id]; ok {
		return a, true
	}
	a, ok := b.m.Agent(b.kv, id)
	if !ok {
		return nil, false
	}
	b.agents[id], b.touched = &a, append(b.touched, id)
	return &a, true
}

// free is the part of the caller's escrow no hold sets aside (Keeper.Free).
func (c *callerBooks) free() pha.Amount {
	free, err := c.escrow.Sub(c.held)
	if err != nil {
		return pha.Amount{}
	}
	return free
}

// write saves every record the batch touched.
func (b *books) write() {
	for _, a := range b.order {
		c := b.callers[a]
		b.m.setEscrow(b.kv, a, c.escrow)
		if c.holding {
			b.m.setHeld(b.kv, a, c.held)
			b.m.setHold(b.kv, c.hold, c.hold.Expires)
		}
	}
	for _, id := range b.touched {
		b.m.setAgent(b.kv, *b.agents[id])
	}
}
