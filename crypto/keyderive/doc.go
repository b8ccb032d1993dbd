// Package keyderive derives the Phala key hierarchy (DESIGN.md §5).
//
// A gatekeeper holds a master key per generation. From it every cluster key
// and, below that, every contract key is derived with HKDF-SHA256; each key
// in turn yields an ed25519 signing pair and an X25519 key-agreement pair
// whose public halves are published on chain.
//
// The HKDF inputs are protocol: changing any byte changes every key. With
// l the caller's Labeler (identity when nil; tee.Provider.DeriveLabel in
// practice, which appends "-insecure" on a simulated TEE), uvarint the
// minimal unsigned LEB128 varint of package chain/wire, and be64 an 8-byte
// big-endian integer:
//
//	cluster key  = HKDF-SHA256(ikm = master key, salt = nil,
//	                 info = l("phala/cluster_key") || 0x00 ||
//	                        uvarint(len(clusterID)) || clusterID || be64(epoch))
//	contract key = HKDF-SHA256(ikm = cluster key, salt = nil,
//	                 info = l("phala/contract_key") || 0x00 ||
//	                        uvarint(len(contractID)) || contractID)
//	ed25519 seed = HKDF-SHA256(ikm = key, salt = nil, info = l("phala/key/ed25519"))
//	X25519 key   = HKDF-SHA256(ikm = key, salt = nil, info = l("phala/key/x25519"))
//
// Every output is 32 bytes. The labels contain no 0x00 byte (nor may a
// Labeler add one), so the 0x00 separator keeps a label from running into the
// identifier that follows it, and the four info strings never coincide.
package keyderive
