package mq

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
)

// Keeper reads and writes sequence numbers.
type Keeper struct{}

// NextSequence is the sequence the origin's next message must carry.
func (Keeper) NextSequence(kv state.KV, o Origin) uint64 { return readSeq(kv, SequenceKey(o)) }

// SetNextSequence stores the origin's next sequence.
func (Keeper) SetNextSequence(kv state.KV, o Origin, seq uint64) { writeSeq(kv, SequenceKey(o), seq) }

// NextEgress is the sequence the next message to dest will carry.
func (Keeper) NextEgress(kv state.KV, dest Origin) uint64 { return readSeq(kv, EgressKey(dest)) }

// setNextEgress stores the sequence the next message to dest will carry.
func (Keeper) setNextEgress(kv state.KV, dest Origin, seq uint64) { writeSeq(kv, EgressKey(dest), seq) }

// setEgress stores message seq to dest.
func (Keeper) setEgress(kv state.KV, dest Origin, seq uint64, e Egress) {
	kv.Set(EgressMessageKey(dest, seq), e.encode())
}

// DropEgress deletes message seq to dest once its consumer no longer
// needs it on chain (a contract input every replica is past); the
// sequence counter is kept, so the number is never reused.
func (Keeper) DropEgress(kv state.KV, dest Origin, seq uint64) {
	kv.Delete(EgressMessageKey(dest, seq))
}

func readSeq(kv state.KV, k []byte) uint64 {
	raw := kv.Get(k)
	if raw == nil {
		return 0
	}
	if len(raw) != 8 {
		panic(&state.StorageError{Err: fmt.Errorf("mq sequence record %x: %d bytes", k, len(raw))})
	}
	return binary.BigEndian.Uint64(raw)
}

func writeSeq(kv state.KV, k []byte, seq uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	kv.Set(k, b[:])
}
