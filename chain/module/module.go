// Package module defines what every chain module implements and the context
// it runs in. A module owns a key prefix in the state tree, its message
// types, its genesis section and its queries; the app wires modules together
// and runs them in a fixed order.
package module

import (
	"encoding/json"
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Module is one concern of the state machine (balances, registry, ...).
type Module interface {
	// Name is the module's genesis section, query path and key prefix.
	Name() string
	// RegisterMsgs adds the module's message types to reg.
	RegisterMsgs(reg *tx.Registry)
	// InitGenesis loads the module's genesis section (which may be null).
	InitGenesis(ctx *Context, raw json.RawMessage) error
	// DeliverMsg executes one of the module's messages signed by sender.
	DeliverMsg(ctx *Context, sender address.Address, msg tx.Msg) error
	// EndBlock runs after the block's transactions.
	EndBlock(ctx *Context) error
	// Query answers "/<name>/<path>" against a committed state view with a
	// JSON document.
	Query(kv state.KV, path string, data []byte) ([]byte, error)
}

// Context carries the state and block facts a state transition may use.
// It holds no wall clock and no randomness: only what every validator sees
// identically.
type Context struct {
	KV      state.KV
	ChainID string
	Height  int64
	// Time is the block time from the header, agreed by consensus.
	Time time.Time
	// Simulating is set when the mempool runs a transaction to decide
	// whether to admit it: nothing it does is kept, so no events are
	// recorded.
	Simulating bool
	events     []abci.Event
}

// Indexed is an event attribute CometBFT indexes, so tx_search can find
// transactions by it (addresses, ids).
func Indexed(key, value string) abci.EventAttribute {
	return abci.EventAttribute{Key: key, Value: value, Index: true}
}

// Attr is an event attribute that is reported but not indexed (amounts).
func Attr(key, value string) abci.EventAttribute {
	return abci.EventAttribute{Key: key, Value: value}
}

// Recording reports whether events are kept; helpers that format
// attributes check it first to skip the work while simulating.
func (c *Context) Recording() bool { return !c.Simulating }

// Emit records an event.
func (c *Context) Emit(typ string, attrs ...abci.EventAttribute) {
	if c.Simulating {
		return
	}
	c.events = append(c.events, abci.Event{Type: typ, Attributes: attrs})
}

// Events returns the events emitted so far.
func (c *Context) Events() []abci.Event { return c.events }

// WithKV returns a context that writes to kv and collects its own events, for
// running one transaction against a cache.
func (c *Context) WithKV(kv state.KV) *Context {
	return &Context{KV: kv, ChainID: c.ChainID, Height: c.Height, Time: c.Time, Simulating: c.Simulating}
}

// DecodeGenesis decodes a module's genesis section into g. A section that
// is absent or null leaves g as it is, so the module's defaults apply.
func DecodeGenesis(raw json.RawMessage, g any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, g)
}

// UnknownMsg is the error a module's DeliverMsg returns for a message it
// does not handle; every module words it the same way.
func UnknownMsg(name string, msg tx.Msg) error {
	return fmt.Errorf("%w: %s cannot handle %s", tx.ErrUnknownMsg, name, msg.Type())
}

// Route is one entry of a module's message table: it runs msg if msg has
// the route's type and reports whether it did.
type Route func(ctx *Context, sender address.Address, msg tx.Msg) (bool, error)

// Handle makes the route of the messages of type M, run by h.
func Handle[M tx.Msg](h func(ctx *Context, sender address.Address, msg M) error) Route {
	return func(ctx *Context, sender address.Address, msg tx.Msg) (bool, error) {
		typed, ok := msg.(M)
		if !ok {
			return false, nil
		}
		return true, h(ctx, sender, typed)
	}
}

// Deliver runs msg through the first of routes that takes its type; a
// message none takes is refused with UnknownMsg in module name's words.
func Deliver(name string, ctx *Context, sender address.Address, msg tx.Msg, routes ...Route) error {
	for _, r := range routes {
		if ok, err := r(ctx, sender, msg); ok {
			return err
		}
	}
	return UnknownMsg(name, msg)
}

// ParamsGenesis is the genesis section of a module whose section holds
// only its params; absent params mean the module's defaults.
type ParamsGenesis[P any] struct {
	Params *P `json:"params,omitempty"`
}

// decodeParams decodes a ParamsGenesis section: the params it names, or
// def() when the section or its params are absent. The error is
// DecodeGenesis's.
func decodeParams[P any](raw json.RawMessage, def func() P) (P, error) {
	var g ParamsGenesis[P]
	if err := DecodeGenesis(raw, &g); err != nil {
		return def(), err
	}
	if g.Params == nil {
		return def(), nil
	}
	return *g.Params, nil
}

// InitParams is the whole genesis of a module whose section holds only its
// params (see ParamsGenesis): it checks them and stores them with set. A
// section that does not decode is refused as bad.
func InitParams[P interface{ Validate() error }](kv state.KV, raw json.RawMessage, def func() P, bad error, set func(state.KV, P)) error {
	p, err := decodeParams(raw, def)
	if err != nil {
		return fmt.Errorf("%w: %v", bad, err)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	set(kv, p)
	return nil
}

// ParamsOnly is the InitGenesis of a module whose section holds only its
// params: InitParams with def, bad and set, for module.Define.
func ParamsOnly[P interface{ Validate() error }](def func() P, bad error, set func(state.KV, P)) func(*Context, json.RawMessage) error {
	return func(ctx *Context, raw json.RawMessage) error { return InitParams(ctx.KV, raw, def, bad, set) }
}
