package dao

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the dao Params (JSON); absent means DefaultParams.
	keyParams = []byte("dao/params")
	// keyNextID holds the next proposal id (8 bytes BE); absent means 1.
	keyNextID = []byte("dao/next_id")
	// keyTotalLocked holds all PHA locked, unlocking excluded (16-byte
	// amount; absent when zero).
	keyTotalLocked = []byte("dao/total_locked")
	// prefixProposal + id (8 bytes BE) holds a Proposal (JSON) (ProposalKey).
	prefixProposal = []byte("dao/p/")
	// prefixVote + id (8 bytes BE) + address holds the vote's option byte
	// (VoteKey).
	prefixVote = []byte("dao/v/")
	// prefixLock + address holds the account's locked PHA (16-byte amount;
	// absent when zero) (LockKey).
	prefixLock = []byte("dao/l/")
	// prefixUnlock + release height (8 bytes BE) + address holds PHA
	// unlocking until then (16-byte amount) (UnlockKey).
	prefixUnlock = []byte("dao/u/")
	// prefixEnd + voting end height (8 bytes BE) + id (8 bytes BE) holds a
	// marker byte: the proposals to tally, in order.
	prefixEnd = []byte("dao/e/")
	// prefixEnact + enactment height (8 bytes BE) + id (8 bytes BE) holds a
	// marker byte: the passed proposals to enact, in order.
	prefixEnact = []byte("dao/x/")
)

// ProposalKey holds a Proposal (JSON).
func ProposalKey(id uint64) []byte { return state.Key(prefixProposal, state.Uint64(id)) }

// VoteKey holds a vote's option byte.
func VoteKey(id uint64, a address.Address) []byte {
	return state.Key(prefixVote, state.Uint64(id), a[:])
}

// votesPrefix is the prefix of every vote on a proposal.
func votesPrefix(id uint64) []byte { return state.Key(prefixVote, state.Uint64(id)) }

// LockKey holds an account's locked PHA (16 bytes).
func LockKey(a address.Address) []byte { return state.Key(prefixLock, a[:]) }

// UnlockKey is an unlocking entry (16-byte amount), in release order.
func UnlockKey(release int64, a address.Address) []byte {
	return state.Key(prefixUnlock, state.Uint64(uint64(release)), a[:])
}

// queueKey is an entry of the tally (prefixEnd) or enactment (prefixEnact)
// queue.
func queueKey(prefix []byte, height int64, id uint64) []byte {
	return state.Key(prefix, state.Uint64(uint64(height)), state.Uint64(id))
}
