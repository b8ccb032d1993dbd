package shielded

import "github.com/phalanetwork/phala/chain/state"

// State keys, all under "shielded/".
var (
	// keyFrontier holds the tree frontier: size (8 bytes BE), the filled
	// left subtree of each level (Depth x 32 bytes), then the root (32).
	keyFrontier = []byte("shielded/frontier")
	// keyNullifierCount holds the number of spent nullifiers (8 bytes BE).
	keyNullifierCount = []byte("shielded/nf_count")
	// keyRootWindow holds the root window in blocks (8 bytes BE).
	keyRootWindow = []byte("shielded/root_window")
	// prefixVK is followed by a circuit kind byte: its encoded verifying key.
	prefixVK = []byte("shielded/vk/")
	// prefixNullifier is followed by a 32-byte nullifier: the height it was
	// spent at (8 bytes BE).
	prefixNullifier = []byte("shielded/nf/")
	// prefixRoot is followed by a 32-byte root: the last height it was the
	// current root (8 bytes BE).
	prefixRoot = []byte("shielded/root/")
	// prefixRootAge is followed by that height (8 bytes BE) and the root:
	// the byte 1; it orders old roots for pruning.
	prefixRootAge = []byte("shielded/root_age/")
	// prefixLeaf is followed by a leaf index (8 bytes BE): the commitment
	// (32 bytes) then the sealed note.
	prefixLeaf = []byte("shielded/leaf/")
)

// VKKey holds the verifying key of circuit kind.
func VKKey(kind byte) []byte { return state.Key(prefixVK, []byte{kind}) }

// NullifierKey marks a spent nullifier.
func NullifierKey(nf []byte) []byte { return state.Key(prefixNullifier, nf) }

// RootKey holds when root was last current.
func RootKey(root []byte) []byte { return state.Key(prefixRoot, root) }

// RootAgeKey orders root by the height it was replaced at.
func RootAgeKey(height uint64, root []byte) []byte {
	return state.Key(prefixRootAge, state.Uint64(height), root)
}

// LeafKey holds leaf index's commitment and sealed note.
func LeafKey(index uint64) []byte { return state.Key(prefixLeaf, state.Uint64(index)) }

// Setup ceremony keys.
var (
	// keyCeremony holds the setup ceremony's record (JSON Ceremony).
	keyCeremony = []byte("shielded/ceremony")
	// keyCeremonyWaiting holds the byte 1 while a ceremony waits for its
	// contributors to be appointed.
	keyCeremonyWaiting = []byte("shielded/ceremony_waiting")
	// keyCeremonyDeadline holds the height (8 bytes BE) at which the
	// running ceremony's current step has lasted turn_blocks, so EndBlock
	// need not decode the record every block.
	keyCeremonyDeadline = []byte("shielded/ceremony_deadline")
	// prefixCandidateVK is followed by the SHA-256 of a verifying key a
	// contributor derived: the key's bytes, until a majority agrees.
	prefixCandidateVK = []byte("shielded/ceremony_vk/")
)

// CeremonyKey holds the setup ceremony's record.
func CeremonyKey() []byte { return keyCeremony }

// CandidateVKKey holds a derived verifying key by its hash.
func CandidateVKKey(sum []byte) []byte { return state.Key(prefixCandidateVK, sum) }
