package computation

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/mining"
)

// Computation has no transactions of its own (its message table is empty):
// sessions start and stop through the stake pool module's messages, and
// workers post heartbeats through the mq.

// The heartbeat challenge.
//
// Every block c the chain challenges some computing workers, chosen by the
// hash of the block before it (module.BlockHash(c−1), which the app records
// in FinalizeBlock): worker w is challenged at c when
// Challenged(BlockHash(c−1), w, challenge_threshold). With the default
// threshold that happens about twice an hour per worker.
//
// How a worker answers: after block c−1 is final, the worker's enclave
// takes that block's hash from its light client, and if Challenged(hash,
// its id, the threshold in /computation/params) is true it posts an mq
// message from its worker origin (signed with its identity key, next
// sequence) with topic TopicHeartbeat and payload HeartbeatPayload(c). The
// message must land in a block at height c through c+heartbeat_window. A
// computing worker that leaves a challenge unanswered that long goes
// offline: it earns nothing and its V decays until it answers any later
// challenge, which brings it back online.

// TopicHeartbeat is the mq topic of heartbeats (worker to chain).
const TopicHeartbeat = Name + "/heartbeat"

// Challenged reports whether a worker is challenged at the block after the
// block with hash blockHash (mining.Challenged).
func Challenged(blockHash []byte, worker [32]byte, threshold uint64) bool {
	return mining.Challenged(blockHash, worker, threshold)
}

// HeartbeatPayload is the payload of a heartbeat answering the challenge of
// height c: c as a uvarint.
func HeartbeatPayload(c int64) []byte {
	w := wire.NewWriter(10)
	w.Uvarint(uint64(c))
	return w.Bytes()
}

// DecodeHeartbeat reads a heartbeat payload.
func DecodeHeartbeat(payload []byte) (int64, error) {
	r := wire.NewReader(payload)
	c := r.Uvarint()
	if err := r.Done(); err != nil || c == 0 || c > 1<<62 {
		return 0, fmt.Errorf("%w: payload must be a challenge height as a uvarint", ErrBadHeartbeat)
	}
	return int64(c), nil
}
