package stakepool

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/sharepool/ledger"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the Params (JSON).
	keyParams = []byte("stakepool/params")
	// prefixPool is followed by a pool id: a Pool record (JSON).
	prefixPool = []byte("stakepool/p/")
	// prefixMember is followed by a pool id and a worker id: 1 byte, the
	// worker is a member of the pool.
	prefixMember = []byte("stakepool/w/")
	// prefixWorker is followed by a worker id: the pool it is in (8 bytes).
	prefixWorker = []byte("stakepool/wp/")
)

// shareLedger keeps the pool id counter (stakepool/next_id), the pools'
// shares, withdrawal queues, each account's queued request and the
// requests' deadlines under stakepool/sh/, stakepool/q/, stakepool/qa/ and
// stakepool/due/ (ledger.Ledger says what each holds).
var shareLedger = ledger.Under(Name, true)

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
