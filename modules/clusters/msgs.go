package clusters

import (
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
)

// Message types of the clusters module.
const (
	TypeCreate       = "clusters/create"
	TypeAddWorker    = "clusters/add_worker"
	TypeRemoveWorker = "clusters/remove_worker"
)

// MsgCreate creates a cluster owned by the sender.
type MsgCreate struct{}

// Type implements tx.Msg.
func (*MsgCreate) Type() string { return TypeCreate }

// Encode implements tx.Msg: an empty body.
func (*MsgCreate) Encode(*wire.Writer) {}

// ValidateBasic implements tx.Msg.
func (*MsgCreate) ValidateBasic() error { return nil }

// MsgMember adds a worker to, or removes it from, a cluster.
type MsgMember struct {
	Remove  bool
	Cluster [32]byte
	Worker  [32]byte
}

// Type implements tx.Msg.
func (m *MsgMember) Type() string {
	if m.Remove {
		return TypeRemoveWorker
	}
	return TypeAddWorker
}

// Encode implements tx.Msg.
func (m *MsgMember) Encode(w *wire.Writer) {
	w.Raw(m.Cluster[:])
	w.Raw(m.Worker[:])
}

// ValidateBasic implements tx.Msg.
func (m *MsgMember) ValidateBasic() error { return nil }

func decodeMember(remove bool) tx.Decoder {
	return func(r *wire.Reader) tx.Msg {
		m := &MsgMember{Remove: remove}
		copy(m.Cluster[:], r.Raw(32))
		copy(m.Worker[:], r.Raw(32))
		return m
	}
}
