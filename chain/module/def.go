package module

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Msg is one message type of a module: its type name, the decoder of its
// body and the route that runs it. A module lists its messages once, in a
// table of Msgs, and Def both registers and routes them from it.
type Msg struct {
	Type   string
	Decode tx.Decoder
	Run    Route
}

// Message is the Msg of type typ, read by decode and run by h.
func Message[M tx.Msg](typ string, decode tx.Decoder, h func(ctx *Context, sender address.Address, msg M) error) Msg {
	return Msg{Type: typ, Decode: decode, Run: Handle(h)}
}

// Def implements Module from the parts a module is made of, so that a
// module embeds it instead of writing the interface's methods again: its
// name, its message table, and its genesis, end-block and query functions.
type Def struct {
	name     string
	msgs     []Msg
	routes   []Route
	genesis  func(ctx *Context, raw json.RawMessage) error
	endBlock func(ctx *Context) error
	query    func(kv state.KV, path string, data []byte) ([]byte, error)
}

// Define returns the Def of module name with these parts; msgs is its
// message table, one Message per type.
func Define(name string, genesis func(*Context, json.RawMessage) error, endBlock func(*Context) error, query func(state.KV, string, []byte) ([]byte, error), msgs ...Msg) Def {
	d := Def{name: name, msgs: msgs, genesis: genesis, endBlock: endBlock, query: query}
	for _, m := range msgs {
		d.routes = append(d.routes, m.Run)
	}
	return d
}

// Name implements Module.
func (d *Def) Name() string { return d.name }

// RegisterMsgs implements Module: it registers the decoder of every
// message in the table.
func (d *Def) RegisterMsgs(reg *tx.Registry) {
	for _, m := range d.msgs {
		reg.Register(m.Type, m.Decode)
	}
}

// InitGenesis implements Module.
func (d *Def) InitGenesis(ctx *Context, raw json.RawMessage) error {
	return d.genesis(ctx, raw)
}

// DeliverMsg implements Module: msg runs through the route of its type in
// the table; a message of no type there is UnknownMsg.
func (d *Def) DeliverMsg(ctx *Context, sender address.Address, msg tx.Msg) error {
	return Deliver(d.name, ctx, sender, msg, d.routes...)
}

// EndBlock implements Module.
func (d *Def) EndBlock(ctx *Context) error { return d.endBlock(ctx) }

// Query implements Module.
func (d *Def) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return d.query(kv, path, data)
}
