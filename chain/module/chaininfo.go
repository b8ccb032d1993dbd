package module

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"

	"github.com/phalanetwork/phala/chain/state"
)

// The app records a few facts about the chain itself in state, under the
// "app/" prefix, so modules can check what clients claim about it.
var (
	keyGenesisHash     = []byte("app/genesis_hash")
	prefixBlockHash    = []byte("app/block_hash/")
	BlockHashRetention = int64(1000)
)

// GenesisHash identifies the genesis a chain started from: SHA-256 of the
// chain id, a zero byte and the app_state of genesis.json with insignificant
// whitespace removed (genesis files are re-indented on their way through
// RPC and tools). Workers compute the same from their copy of genesis and
// bind it into their attestation.
func GenesisHash(chainID string, appState []byte) [32]byte {
	var compact bytes.Buffer
	if err := json.Compact(&compact, appState); err != nil {
		// Not JSON: hash the bytes as they are; CometBFT would not have
		// accepted such a genesis anyway.
		compact.Reset()
		compact.Write(appState)
	}
	h := sha256.New()
	h.Write([]byte(chainID))
	h.Write([]byte{0})
	h.Write(compact.Bytes())
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// SetGenesisHash records the genesis hash; the app calls it in InitChain.
func SetGenesisHash(kv state.KV, h [32]byte) { kv.Set(keyGenesisHash, h[:]) }

// StoredGenesisHash returns the recorded genesis hash.
func StoredGenesisHash(kv state.KV) []byte { return kv.Get(keyGenesisHash) }

func blockHashKey(height int64) []byte {
	k := make([]byte, len(prefixBlockHash)+8)
	copy(k, prefixBlockHash)
	binary.BigEndian.PutUint64(k[len(prefixBlockHash):], uint64(height))
	return k
}

// RecordBlockHash stores the hash of the block at height and forgets the
// one BlockHashRetention blocks older. The app calls it in FinalizeBlock.
func RecordBlockHash(kv state.KV, height int64, hash []byte) {
	kv.Set(blockHashKey(height), hash)
	if old := height - BlockHashRetention; old > 0 {
		kv.Delete(blockHashKey(old))
	}
}

// BlockHash returns the hash of a recent block, or nil if it is older than
// the retention window or not yet finalized.
func BlockHash(kv state.KV, height int64) []byte { return kv.Get(blockHashKey(height)) }
