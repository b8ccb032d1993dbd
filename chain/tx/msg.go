package tx

import (
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/chain/wire"
)

// Msg is one action inside a transaction. Every module defines its messages
// as types implementing Msg and registers a decoder for each.
type Msg interface {
	// Type names the message, "<module>/<action>", e.g. "balances/transfer".
	Type() string
	// Encode writes the canonical body of the message.
	Encode(w *wire.Writer)
	// ValidateBasic checks what can be checked without state.
	ValidateBasic() error
}

// Decoder reads the body of one message type.
type Decoder func(r *wire.Reader) Msg

// Registry maps message types to their decoders.
type Registry struct {
	decoders map[string]Decoder
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{decoders: map[string]Decoder{}} }

// Register adds a message type. Registering a type twice is a programming
// error.
func (r *Registry) Register(msgType string, d Decoder) {
	if _, ok := r.decoders[msgType]; ok {
		panic(fmt.Sprintf("tx: message type %q registered twice", msgType))
	}
	r.decoders[msgType] = d
}

// Types lists the registered message types in sorted order, for tools and
// fuzz targets that go through every decoder.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.decoders))
	for t := range r.decoders {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// DecodeMsg decodes one message body of the given type, rejecting unknown
// types, malformed bodies and trailing bytes.
func (r *Registry) DecodeMsg(msgType string, body []byte) (Msg, error) {
	d, ok := r.decoders[msgType]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownMsg, msgType)
	}
	rd := wire.NewReader(body)
	m := d(rd)
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, msgType, err)
	}
	return m, nil
}

// EncodeMsg returns the canonical body of m.
func EncodeMsg(m Msg) []byte {
	w := wire.NewWriter(64)
	m.Encode(w)
	return w.Bytes()
}
