package mq

import "encoding/binary"

// State keys, all under the module prefix. Each ends with the origin's
// key suffix: its kind (1 byte) then its 32-byte id (Origin.key).
var (
	// prefixSeq + origin holds the sequence (8 bytes BE) that origin's
	// next message must carry.
	prefixSeq = []byte("mq/seq/")
	// prefixEgress + destination holds the sequence (8 bytes BE) the next
	// message to that destination will carry.
	prefixEgress = []byte("mq/out/")
	// prefixEgressMsgs + destination + sequence (8 bytes BE) holds that
	// message to the destination (Egress.encode: topic, then payload).
	prefixEgressMsgs = []byte("mq/msg/")
)

// key is the state-key suffix of the origin.
func (o Origin) key() []byte {
	return append([]byte{byte(o.Kind)}, o.ID[:]...)
}

// SequenceKey is the state key of an origin's next sequence (8 bytes BE),
// for proofs: a restarted worker reads it through its light client to
// resume.
func SequenceKey(o Origin) []byte { return append(append([]byte(nil), prefixSeq...), o.key()...) }

// EgressKey is the state key of the next sequence (8 bytes BE) of messages
// to a destination.
func EgressKey(o Origin) []byte { return append(append([]byte(nil), prefixEgress...), o.key()...) }

// EgressMessageKey is the state key of message seq to dest (an Egress,
// read with DecodeEgress).
func EgressMessageKey(dest Origin, seq uint64) []byte {
	k := append(append([]byte(nil), prefixEgressMsgs...), dest.key()...)
	return binary.BigEndian.AppendUint64(k, seq)
}
