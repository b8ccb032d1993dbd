package vault

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// State keys, all under the module prefix.
var (
	// keyNextID holds the id the next vault gets (8 bytes, big-endian);
	// absent, 1.
	keyNextID = []byte("vault/next_id")
	// prefixVault is followed by a vault id: a Vault record (JSON).
	prefixVault = []byte("vault/v/")
	// prefixShares is followed by a vault id and an address: the vault
	// shares it holds (16 bytes, pha.Amount), queued ones excluded.
	prefixShares = []byte("vault/sh/")
	// prefixQueue is followed by a vault id and a sequence number: a
	// queued Withdrawal (JSON).
	prefixQueue = []byte("vault/q/")
	// prefixQueued is followed by a vault id and an address: the sequence
	// number (8 bytes) of the account's queued withdrawal.
	prefixQueued = []byte("vault/qa/")
)

// VaultKey holds a Vault record (JSON).
func VaultKey(id uint64) []byte { return state.Key(prefixVault, state.Uint64(id)) }

// SharesKey holds an account's vault shares (16 bytes), queued excluded.
func SharesKey(id uint64, a address.Address) []byte {
	return state.Key(prefixShares, state.Uint64(id), a[:])
}

// QueueKey holds withdrawal seq of a vault (JSON Withdrawal).
func QueueKey(id, seq uint64) []byte {
	return state.Key(prefixQueue, state.Uint64(id), state.Uint64(seq))
}

// QueuedKey holds the seq (8 bytes) of an account's queued withdrawal.
func QueuedKey(id uint64, a address.Address) []byte {
	return state.Key(prefixQueued, state.Uint64(id), a[:])
}
