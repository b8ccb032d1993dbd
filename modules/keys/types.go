// Package keys is the chain's record of the key hierarchy: the gatekeeper
// set, the master-key generations and their public keys. The secret halves
// live only in gatekeeper enclaves; the chain holds what anyone needs to
// encrypt to the hierarchy and to check what it signs.
package keys

import (
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "keys"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the keys module.
var (
	ErrBadGenesis      = abcierr.Register(Codespace, 2, "invalid keys genesis")
	ErrUnauthorized    = abcierr.Register(Codespace, 3, "sender is not the key authority")
	ErrNotGatekeeper   = abcierr.Register(Codespace, 4, "origin is not a gatekeeper")
	ErrAlreadyGK       = abcierr.Register(Codespace, 5, "worker is already a gatekeeper")
	ErrUnknownWorker   = abcierr.Register(Codespace, 6, "unknown worker")
	ErrGenerationTaken = abcierr.Register(Codespace, 7, "master key generation already published")
	ErrBadMasterKey    = abcierr.Register(Codespace, 8, "invalid master public key")
	ErrNotFirst        = abcierr.Register(Codespace, 9, "only the first gatekeeper creates the master key")
	ErrBadShare        = abcierr.Register(Codespace, 10, "invalid master key share")
	ErrNoMasterKey     = abcierr.Register(Codespace, 11, "no master key yet")
	ErrRotation        = abcierr.Register(Codespace, 12, "key rotation refused")
)

// Hex is bytes that marshal as hex in JSON (the registry's type).
type Hex = registry.HexBytes

// Gatekeeper is a worker the chain trusts with the master key.
type Gatekeeper struct {
	Worker Hex   `json:"worker"`
	Added  int64 `json:"added_height"`
	// Holds is true once the gatekeeper confirmed it holds the current
	// master key (the first one by creating it, others by receiving it).
	Holds bool `json:"holds_master_key"`
}

// Generation is one master key's public record.
type Generation struct {
	Number uint64 `json:"generation"`
	// SignKey and ECDHKey are the master key's ed25519 and X25519 public
	// keys (keyderive.Pairs of the master secret).
	SignKey   Hex   `json:"sign_pubkey"`
	ECDHKey   Hex   `json:"ecdh_pubkey"`
	Height    int64 `json:"height"`
	CreatedBy Hex   `json:"created_by"`
	// Excluded are the gatekeepers the rotation that made this generation
	// left out; they cannot receive it by share.
	Excluded []Hex `json:"excluded,omitempty"`
}

// State is what `/keys/state` answers.
type State struct {
	Authority   address.Address `json:"authority"`
	Generation  *Generation     `json:"current,omitempty"`
	History     []Generation    `json:"history"`
	Gatekeepers []Gatekeeper    `json:"gatekeepers"`
	// Rotation is "idle" or the phase of the running rotation.
	Rotation string    `json:"rotation"`
	Running  *Rotation `json:"running,omitempty"`
	// ResumeHeight is when key traffic to workers resumes after the last
	// rotation (it is held while one runs).
	ResumeHeight int64  `json:"resume_height"`
	Params       Params `json:"params"`
	// CommittedAhead are the gatekeepers that committed to their
	// contribution for the next round already.
	CommittedAhead []Hex `json:"committed_ahead"`
}

// State keys, all under the module prefix.
var (
	keyAuthority  = []byte("keys/authority")
	prefixGK      = []byte("keys/gk/")
	prefixGen     = []byte("keys/gen/")
	keyCurrentGen = []byte("keys/current")
	keyGKOrder    = []byte("keys/gk_order")
	keyGenesisOps = []byte("keys/genesis_operators")
)

// GatekeeperKey is the state key of a gatekeeper record, for proofs.
func GatekeeperKey(worker [32]byte) []byte {
	return append(append([]byte(nil), prefixGK...), worker[:]...)
}

// OrderKey holds the gatekeeper ids (32 bytes each) in the order they were
// added, for proofs.
func OrderKey() []byte { return append([]byte(nil), keyGKOrder...) }

// DecodeOrder splits the OrderKey value into worker ids.
func DecodeOrder(raw []byte) [][32]byte {
	var out [][32]byte
	for i := 0; i+32 <= len(raw); i += 32 {
		var id [32]byte
		copy(id[:], raw[i:i+32])
		out = append(out, id)
	}
	return out
}

// CurrentGenerationKey holds the current generation record (JSON), for
// proofs.
func CurrentGenerationKey() []byte { return append([]byte(nil), keyCurrentGen...) }
