package keyderive

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
)

// HKDF labels of the key hierarchy, before the caller's Labeler is applied.
const (
	// LabelClusterKey is the info label of a cluster key.
	LabelClusterKey = "phala/cluster_key"
	// LabelContractKey is the info label of a contract key.
	LabelContractKey = "phala/contract_key"
	// LabelEd25519 is the info label of the ed25519 seed of a key.
	LabelEd25519 = "phala/key/ed25519"
	// LabelX25519 is the info label of the X25519 private key of a key.
	LabelX25519 = "phala/key/x25519"
)

// Labeler transforms an HKDF label, e.g. tee.Provider.DeriveLabel; nil is the identity.
type Labeler func(string) string

// apply returns the transformed label.
func (l Labeler) apply(label string) string {
	if l == nil {
		return label
	}
	return l(label)
}

// DeriveClusterKey derives the key of cluster clusterID at epoch from a
// generation's master key; an unset master yields an unset Secret.
func DeriveClusterKey(master MasterKey, clusterID []byte, epoch uint64, l Labeler) Secret {
	info := idInfo(l.apply(LabelClusterKey), clusterID)
	info = binary.BigEndian.AppendUint64(info, epoch)
	return expand(master, string(info))
}

// DeriveContractKey derives the key of contract contractID from its
// cluster's key; an unset cluster key yields an unset Secret.
func DeriveContractKey(cluster Secret, contractID []byte, l Labeler) Secret {
	return expand(cluster, string(idInfo(l.apply(LabelContractKey), contractID)))
}

// LabelKMSSealing is the info label of a TDX worker's sealing key.
const LabelKMSSealing = "phala/kms/sealing"

// DeriveKMSSealingKey derives the sealing key the gatekeepers' KMS hands
// to TDX workers of one measurement on one chain, from generation 0 of
// the master key, which every gatekeeper keeps for ever: the same code on
// the same chain gets the same key after any rotation.
func DeriveKMSSealingKey(master0 MasterKey, genesisHash [32]byte, measurement []byte, l Labeler) Secret {
	info := idInfo(l.apply(LabelKMSSealing), genesisHash[:])
	return expand(master0, string(append(info, idInfo("measurement", measurement)...)))
}

// idInfo returns label || 0x00 || uvarint(len(id)) || id.
func idInfo(label string, id []byte) []byte {
	info := make([]byte, 0, len(label)+1+binary.MaxVarintLen64+len(id)+8)
	info = append(info, label...)
	info = append(info, 0)
	info = binary.AppendUvarint(info, uint64(len(id)))
	return append(info, id...)
}

// expand derives a new Secret from s with HKDF-SHA256 under info.
func expand(s Secret, info string) Secret {
	k, err := hkdfKey(s, info)
	if err != nil {
		// Unset input, or HKDF refused (FIPS-only mode): propagate "unset".
		return Secret{}
	}
	defer clear(k)
	out, err := NewSecret(k)
	if err != nil {
		return Secret{}
	}
	return out
}

// hkdfKey returns HKDF-SHA256(ikm = s, salt = nil, info) of SecretSize bytes.
func hkdfKey(s Secret, info string) ([]byte, error) {
	if s.IsZero() {
		return nil, ErrZeroSecret
	}
	return hkdf.Key(sha256.New, s.box.key[:], nil, info, SecretSize)
}

// LabelRotation labels the derivation of a new master key from the
// contributions of the gatekeepers that rotate it.
const LabelRotation = "phala/master_key/rotation"

// CombineContributions derives a new master key from every elected
// gatekeeper's contribution, in the chain's member order: HKDF-SHA256 with
// ikm = the concatenated contributions and info = l(LabelRotation) || 0x00 ||
// round (8 bytes BE) || generation (8 bytes BE). No single gatekeeper
// chooses the result, as each committed to its contribution before seeing
// the others.
func CombineContributions(contributions [][]byte, round, generation uint64, l Labeler) Secret {
	var ikm []byte
	for _, c := range contributions {
		ikm = append(ikm, c...)
	}
	info := append([]byte(l.apply(LabelRotation)), 0)
	info = binary.BigEndian.AppendUint64(info, round)
	info = binary.BigEndian.AppendUint64(info, generation)
	out, err := hkdf.Key(sha256.New, ikm, nil, string(info), SecretSize)
	if err != nil || len(ikm) == 0 {
		return Secret{} // unset: Pairs refuses it
	}
	sec, err := NewSecret(out)
	if err != nil {
		return Secret{}
	}
	return sec
}
