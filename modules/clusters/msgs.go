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

// Topics of the clusters module.
const (
	// TopicPubKey (gatekeeper to chain): cluster id, epoch uvarint,
	// generation uvarint, ed25519 public key (32), X25519 public key (32).
	TopicPubKey = "clusters/pubkey"
	// TopicDispatch (gatekeeper to chain, then chain to the member):
	// cluster id, epoch uvarint, member id, envelope bytes.
	TopicDispatch = "clusters/dispatch"
	// TopicConfirm (member to chain): cluster id, epoch uvarint and a
	// signature by the cluster key over ConfirmSignBytes.
	TopicConfirm = "clusters/confirm"
)

// ConfirmSignBytes is what a member signs with the cluster key to prove
// it holds the epoch key.
func ConfirmSignBytes(chainID string, cluster, member [32]byte, epoch uint64) []byte {
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/clusters/confirm/v1\x00"))
	w.String(chainID)
	w.Raw(cluster[:])
	w.Raw(member[:])
	w.Uvarint(epoch)
	return w.Bytes()
}

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

func decodeCreate(*wire.Reader) tx.Msg { return &MsgCreate{} }

func decodeAddWorker(r *wire.Reader) tx.Msg { return decodeMember(r, false) }

func decodeRemoveWorker(r *wire.Reader) tx.Msg { return decodeMember(r, true) }

// decodeMember reads the cluster and worker ids of a MsgMember.
func decodeMember(r *wire.Reader, remove bool) *MsgMember {
	m := &MsgMember{Remove: remove}
	copy(m.Cluster[:], r.Raw(32))
	copy(m.Worker[:], r.Raw(32))
	return m
}
