package agents

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

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
