// Package keys is the chain's record of the key hierarchy: the gatekeeper
// set, the master-key generations and their public keys. The secret halves
// live only in gatekeeper enclaves; the chain holds what anyone needs to
// encrypt to the hierarchy and to check what it signs.
package keys

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
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
	// Bonds. An operator short of PHA gets balances.ErrInsufficientFunds.
	ErrUnknownGatekeeper = abcierr.Register(Codespace, 13, "unknown gatekeeper")
	ErrNotOperator       = abcierr.Register(Codespace, 14, "sender is not the gatekeeper's operator")
	ErrUnbondTooMuch     = abcierr.Register(Codespace, 15, "unbond exceeds the bonded amount")
	ErrZeroAmount        = abcierr.Register(Codespace, 16, "bond amount must be positive")
)

// BondAccount is the module account that holds bonded and unbonding PHA:
// bonds move PHA into it and matured unbondings move it back, so the
// total supply stays the sum of all balances.
var BondAccount = address.Module("gatekeeper_bonds")

// Hex is bytes that marshal as hex in JSON (the registry's type).
type Hex = registry.HexBytes

// Gatekeeper is a worker the chain trusts with the master key.
type Gatekeeper struct {
	Worker Hex   `json:"worker"`
	Added  int64 `json:"added_height"`
	// Holds is true once the gatekeeper confirmed it holds the current
	// master key (the first one by creating it, others by receiving it).
	Holds bool `json:"holds_master_key"`
	// Bonded is the PHA its operator has bonded to it: its election
	// weight. Unbonding is bond on its way back to the operator, which no
	// longer counts. The state query fills both in from the bond records
	// (BondKey, UnbondingPrefix); the record under GatekeeperKey does not
	// carry them, so a gatekeeper record read from state has them zero.
	Bonded    pha.Amount  `json:"bonded"`
	Unbonding []Unbonding `json:"unbonding"`
}

// gatekeeperRecord is what GatekeeperKey holds: a Gatekeeper without the
// bond fields, which live in their own records.
type gatekeeperRecord struct {
	Worker Hex   `json:"worker"`
	Added  int64 `json:"added_height"`
	Holds  bool  `json:"holds_master_key"`
}

// Bond is what BondKey holds: the operator that bonded PHA to a gatekeeper
// and how much is bonded now. An UnbondingKey entry holds the same fields
// for an amount on its way back.
type Bond struct {
	Operator address.Address `json:"operator"`
	Amount   pha.Amount      `json:"amount"`
}

// Unbonding is bond leaving a gatekeeper: Amount goes back to the operator
// in the EndBlock of height Release.
type Unbonding struct {
	Amount  pha.Amount `json:"amount"`
	Release int64      `json:"release_height"`
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
	// Authority is the genesis (devnet) authority, zero if none.
	Authority address.Address `json:"authority"`
	// Governor is the DAO's module account, which is always the authority.
	Governor    address.Address `json:"governor"`
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
	// BondAccount holds every bonded and unbonding PHA.
	BondAccount address.Address `json:"bond_account"`
}

// State keys, all under the module prefix.
var (
	keyAuthority  = []byte("keys/authority")
	prefixGK      = []byte("keys/gk/")
	prefixGen     = []byte("keys/gen/")
	keyCurrentGen = []byte("keys/current")
	keyGKOrder    = []byte("keys/gk_order")
	keyGenesisOps = []byte("keys/genesis_operators")
	prefixBond    = []byte("keys/bond/")
	prefixUnbond  = []byte("keys/unbonding/")
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

// BondKey is the state key of a gatekeeper's Bond record (JSON), for
// proofs; absent means nothing is bonded.
func BondKey(worker [32]byte) []byte {
	return append(append([]byte(nil), prefixBond...), worker[:]...)
}

// UnbondingPrefix is the prefix of the unbonding queue. Each entry's key is
// the prefix, the release height (8 bytes BE) and the gatekeeper id (32),
// so the queue is in release order; the value is a Bond record (JSON).
func UnbondingPrefix() []byte { return append([]byte(nil), prefixUnbond...) }

// UnbondingKey is the queue key of what a gatekeeper's operator gets back
// at height release.
func UnbondingKey(release int64, worker [32]byte) []byte {
	k := binary.BigEndian.AppendUint64(UnbondingPrefix(), uint64(release))
	return append(k, worker[:]...)
}
