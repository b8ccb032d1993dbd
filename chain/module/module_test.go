package module

import (
	"errors"
	"testing"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
)

type msgA struct{}

func (msgA) Type() string         { return "test/a" }
func (msgA) Encode(*wire.Writer)  {}
func (msgA) ValidateBasic() error { return nil }

type msgB struct{ fail bool }

func (*msgB) Type() string         { return "test/b" }
func (*msgB) Encode(*wire.Writer)  {}
func (*msgB) ValidateBasic() error { return nil }

func TestDeliverRoutesByType(t *testing.T) {
	var got []string
	errB := errors.New("b failed")
	routes := []Route{
		Handle(func(_ *Context, _ address.Address, _ msgA) error { got = append(got, "a"); return nil }),
		Handle(func(_ *Context, _ address.Address, m *msgB) error {
			got = append(got, "b")
			if m.fail {
				return errB
			}
			return nil
		}),
	}
	ctx := &Context{}
	if err := Deliver("test", ctx, address.Address{}, msgA{}, routes...); err != nil {
		t.Fatalf("a: %v", err)
	}
	if err := Deliver("test", ctx, address.Address{}, &msgB{fail: true}, routes...); !errors.Is(err, errB) {
		t.Fatalf("b: %v, want %v", err, errB)
	}
	err := Deliver("test", ctx, address.Address{}, &msgB{}, routes[:1]...)
	if !errors.Is(err, tx.ErrUnknownMsg) || err.Error() != tx.ErrUnknownMsg.Error()+": test cannot handle test/b" {
		t.Fatalf("unrouted: %v", err)
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("handlers run: %v", got)
	}
}
