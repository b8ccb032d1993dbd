package module

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
)

// The app records a few facts about the chain itself in state, under the
// "app/" prefix, so modules can check what clients claim about it.
var (
	keyGenesisHash     = []byte("app/genesis_hash")
	prefixBlockHash    = []byte("app/block_hash/")
	BlockHashRetention = int64(1000)
)

// GenesisValidator is a genesis validator as the genesis hash covers it.
type GenesisValidator struct {
	// KeyType is the key's CometBFT type name, e.g. "ed25519".
	KeyType string
	// PubKey is the raw public key.
	PubKey []byte
	// Power is the voting power.
	Power int64
}

// ChainGenesis is everything that defines a chain at its start: the chain
// id, the first height, the validator set (whose signatures make every
// later header) and the app_state.
type ChainGenesis struct {
	ChainID       string
	InitialHeight int64
	Validators    []GenesisValidator
	AppState      []byte
}

// genesisHashDomain prefixes what GenesisHash hashes; v2 added the
// initial height and the validator set.
const genesisHashDomain = "phala/genesis-hash/v2\x00"

// GenesisHash identifies the genesis a chain started from: SHA-256 of a
// canonical encoding of the chain id, the initial height (0 counts as 1,
// as CometBFT reads it), the validators sorted by key type and key, and
// the app_state with insignificant whitespace removed (genesis files are
// re-indented on their way through RPC and tools). Covering the
// validators binds the hash to the keys that sign the chain: a copy of the
// app_state under validators of someone else's choosing is another chain.
// The app records it in InitChain; enclaves compute it from their genesis
// document, bind their sealed store to it and attest it.
func GenesisHash(g ChainGenesis) [32]byte {
	var compact bytes.Buffer
	if err := json.Compact(&compact, g.AppState); err != nil {
		// Not JSON: hash the bytes as they are; CometBFT would not have
		// accepted such a genesis anyway.
		compact.Reset()
		compact.Write(g.AppState)
	}
	initial := g.InitialHeight
	if initial == 0 {
		initial = 1
	}
	vals := slices.Clone(g.Validators)
	slices.SortFunc(vals, func(a, b GenesisValidator) int {
		if c := strings.Compare(a.KeyType, b.KeyType); c != 0 {
			return c
		}
		return bytes.Compare(a.PubKey, b.PubKey)
	})
	w := wire.NewWriter(len(genesisHashDomain) + len(g.ChainID) + 64*len(vals) + compact.Len() + 32)
	w.Raw([]byte(genesisHashDomain))
	w.String(g.ChainID)
	w.Uvarint(uint64(initial))
	w.Uvarint(uint64(len(vals)))
	for _, v := range vals {
		w.String(v.KeyType)
		w.VarBytes(v.PubKey)
		w.Uvarint(uint64(v.Power))
	}
	w.VarBytes(compact.Bytes())
	return sha256.Sum256(w.Bytes())
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
