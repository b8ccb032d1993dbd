package keys

import "encoding/binary"

// State keys, all under the module prefix. JSON records are of fixed
// structs, whose field order makes the bytes deterministic.

// Keys of the gatekeeper set.
var (
	// keyAuthority holds the genesis key authority's 20-byte address;
	// absent when genesis named none.
	keyAuthority = []byte("keys/authority")
	// keyGenesisOps holds the 20-byte addresses of the genesis gatekeeper
	// operators that have not registered a worker yet.
	keyGenesisOps = []byte("keys/genesis_operators")
	// prefixGK + the 32-byte worker id holds that gatekeeper's
	// gatekeeperRecord (JSON).
	prefixGK = []byte("keys/gk/")
	// keyGKOrder holds the gatekeeper ids (32 bytes each) in the order
	// they were added.
	keyGKOrder = []byte("keys/gk_order")
)

// GatekeeperKey is the state key of a gatekeeper record, for proofs.
func GatekeeperKey(worker [32]byte) []byte {
	return append(append([]byte(nil), prefixGK...), worker[:]...)
}

// OrderKey holds the gatekeeper ids (32 bytes each) in the order they were
// added, for proofs.
func OrderKey() []byte { return append([]byte(nil), keyGKOrder...) }

// Keys of the master-key generations.
var (
	// prefixGen + the generation number (8 bytes BE) holds that
	// Generation (JSON).
	prefixGen = []byte("keys/gen/")
	// keyCurrentGen holds the current Generation (JSON).
	keyCurrentGen = []byte("keys/current")
)

// CurrentGenerationKey holds the current generation record (JSON), for
// proofs.
func CurrentGenerationKey() []byte { return append([]byte(nil), keyCurrentGen...) }

// GenerationKey is the state key of generation n's record (JSON), for
// proofs: a gatekeeper checks a share's history against it.
func GenerationKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixGen...), n)
}

// Keys of the gatekeeper bond.
var (
	// prefixBond + the 32-byte gatekeeper id holds its Bond (JSON).
	prefixBond = []byte("keys/bond/")
	// prefixUnbond + release height (8 bytes BE) + the 32-byte gatekeeper
	// id holds the Bond (JSON) paid back at that height.
	prefixUnbond = []byte("keys/unbonding/")
)

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

// splitUnbondingKey reads the release height and gatekeeper id of an
// UnbondingKey.
func splitUnbondingKey(k []byte) (int64, [32]byte, bool) {
	rest := k[len(prefixUnbond):]
	if len(rest) != 8+32 {
		return 0, [32]byte{}, false
	}
	return int64(binary.BigEndian.Uint64(rest[:8])), [32]byte(rest[8:]), true
}

// Keys of master-key rotation.
var (
	// keyParams holds the Params (JSON); absent means DefaultParams.
	keyParams = []byte("keys/params")
	// keyRotation holds the running Rotation (JSON); absent when idle.
	keyRotation = []byte("keys/rotation")
	// keyResume holds the height (8 bytes BE) from which key traffic to
	// workers resumes after a rotation.
	keyResume = []byte("keys/resume")
	// keyRound holds the number (8 bytes BE) the next rotation round
	// will have; absent means 0.
	keyRound = []byte("keys/round")
	// prefixPrecommit + the 32-byte gatekeeper id holds its commitment
	// made ahead: the round (8 bytes BE) then the commitment (32).
	prefixPrecommit = []byte("keys/precommit/")
	// prefixEvidence + round (8 bytes BE) + the 32-byte member id holds
	// the Evidence (JSON) of that member's misbehaviour in that round.
	prefixEvidence = []byte("keys/evidence/")
)

// EvidenceKey is the state key of a member's Evidence in a round, for
// proofs.
func EvidenceKey(round uint64, id [32]byte) []byte {
	k := binary.BigEndian.AppendUint64(append([]byte(nil), prefixEvidence...), round)
	return append(k, id[:]...)
}

// RotationKey holds the active rotation (JSON), for proofs.
func RotationKey() []byte { return append([]byte(nil), keyRotation...) }

// ResumeKey holds the height (8 bytes BE) from which key traffic resumes.
func ResumeKey() []byte { return append([]byte(nil), keyResume...) }

// NextRoundKey holds the number (8 bytes BE) the next rotation round will
// have, for proofs: gatekeepers commit ahead to it.
func NextRoundKey() []byte { return append([]byte(nil), keyRound...) }

// PrecommitKey holds a gatekeeper's commitment made ahead, for proofs:
// round (8 bytes BE) then the commitment (32).
func PrecommitKey(id [32]byte) []byte {
	return append(append([]byte(nil), prefixPrecommit...), id[:]...)
}

// DecodeRound reads the NextRoundKey value; absent means round 0.
func DecodeRound(raw []byte) uint64 {
	if len(raw) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(raw)
}

// DecodePrecommit reads a PrecommitKey value; ok is false when there is
// none.
func DecodePrecommit(raw []byte) (round uint64, commitment []byte, ok bool) {
	if len(raw) != 40 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(raw[:8]), raw[8:], true
}
