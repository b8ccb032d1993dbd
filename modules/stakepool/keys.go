package stakepool

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the Params (JSON).
	keyParams = []byte("stakepool/params")
	// keyNextID holds the id the next pool gets (8 bytes, big-endian);
	// absent, 1.
	keyNextID = []byte("stakepool/next_id")
	// prefixPool is followed by a pool id: a Pool record (JSON).
	prefixPool = []byte("stakepool/p/")
	// prefixMember is followed by a pool id and a worker id: 1 byte, the
	// worker is a member of the pool.
	prefixMember = []byte("stakepool/w/")
	// prefixWorker is followed by a worker id: the pool it is in (8 bytes).
	prefixWorker = []byte("stakepool/wp/")
	// prefixShares is followed by a pool id and an address: the shares it
	// holds (16 bytes, pha.Amount), queued ones excluded.
	prefixShares = []byte("stakepool/sh/")
	// prefixQueue is followed by a pool id and a sequence number: a queued
	// Withdrawal (JSON).
	prefixQueue = []byte("stakepool/q/")
	// prefixQueued is followed by a pool id and an address: the sequence
	// number (8 bytes) of the account's queued withdrawal.
	prefixQueued = []byte("stakepool/qa/")
	// prefixDeadline is followed by a due height, a pool id and a sequence
	// number: 1 byte, the withdrawal's grace period ends at that height.
	prefixDeadline = []byte("stakepool/due/")
)

// PoolKey holds a Pool record (JSON), for proofs.
func PoolKey(id uint64) []byte { return state.Key(prefixPool, state.Uint64(id)) }

// MemberKey marks worker as a member of pool (1 byte); the pool's members
// are the keys under MemberPrefix(pool), in worker id order.
func MemberKey(pool uint64, worker registry.WorkerID) []byte {
	return state.Key(prefixMember, state.Uint64(pool), worker[:])
}

// MemberPrefix is the prefix of a pool's member keys.
func MemberPrefix(pool uint64) []byte { return state.Key(prefixMember, state.Uint64(pool)) }

// WorkerPoolKey holds the id (8 bytes) of the pool a worker is in.
func WorkerPoolKey(worker registry.WorkerID) []byte { return state.Key(prefixWorker, worker[:]) }

// SharesKey holds an account's shares (16 bytes) in a pool, queued ones
// excluded.
func SharesKey(pool uint64, a address.Address) []byte {
	return state.Key(prefixShares, state.Uint64(pool), a[:])
}

// sharesPrefix is the prefix of a pool's SharesKey entries.
func sharesPrefix(pool uint64) []byte { return state.Key(prefixShares, state.Uint64(pool)) }

// QueueKey holds withdrawal seq of a pool (JSON Withdrawal).
func QueueKey(pool, seq uint64) []byte {
	return state.Key(prefixQueue, state.Uint64(pool), state.Uint64(seq))
}

// QueuedKey holds the seq (8 bytes) of an account's queued withdrawal.
func QueuedKey(pool uint64, a address.Address) []byte {
	return state.Key(prefixQueued, state.Uint64(pool), a[:])
}

// DeadlineKey marks (1 byte) a withdrawal whose grace period ends at
// height due; EndBlock walks these in height order.
func DeadlineKey(due int64, pool, seq uint64) []byte {
	return state.Key(prefixDeadline, state.Uint64(uint64(due)), state.Uint64(pool), state.Uint64(seq))
}
