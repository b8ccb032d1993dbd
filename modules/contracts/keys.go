package contracts

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the module's Params (JSON).
	keyParams = []byte("contracts/params")
	// keyCounter holds the number of contracts and keyed instances made so
	// far (8 bytes big-endian); the next id derives from it.
	keyCounter = []byte("contracts/counter")
	// keyList holds every contract id in creation order (32 bytes each).
	keyList = []byte("contracts/list")
	// prefixCode + code hash holds a code blob (CodeKey).
	prefixCode = []byte("contracts/code/")
	// prefixCodeInfo + code hash holds the code's Code record (JSON).
	prefixCodeInfo = []byte("contracts/codeinfo/")
	// prefixContract + contract id holds a Contract (JSON) (ContractKey).
	prefixContract = []byte("contracts/c/")
	// prefixResult + contract id + input (8 bytes BE) holds a Result (JSON).
	prefixResult = []byte("contracts/r/")
	// prefixRoots + contract id + input (8 bytes BE) holds a RootReport (JSON).
	prefixRoots = []byte("contracts/roots/")
	// prefixSeen + SHA-256 of a command envelope holds the envelope's
	// expiry height (8 bytes BE), so the same envelope is refused again
	// until it expires; after that it is refused as expired and the record
	// is deleted (prefixSeenExpiry).
	prefixSeen = []byte("contracts/seen/")
	// prefixSeenExpiry + expiry height (8 bytes BE) + envelope hash holds
	// 1 byte: the seen records that height's EndBlock deletes.
	prefixSeenExpiry = []byte("contracts/seenexpiry/")
	// prefixPrune + height (8 bytes BE) + contract id + input (8 bytes BE)
	// holds 1 byte: the inputs whose result, input message and root tally
	// that height's EndBlock deletes (retain_result_blocks after the
	// result landed).
	prefixPrune = []byte("contracts/prune/")
	// prefixActivityPrune + height (8 bytes BE) + cluster id + sequence
	// (8 bytes BE) holds 1 byte: the cluster activity notices that
	// height's EndBlock deletes (retain_result_blocks after they were
	// sent).
	prefixActivityPrune = []byte("contracts/actprune/")
	// prefixPruned + contract id holds the number (8 bytes BE) of the
	// contract's inputs pruned so far: every input below it is gone.
	prefixPruned = []byte("contracts/pruned/")
	// prefixLatestRoot + contract id holds the input (8 bytes BE) of the
	// latest root majority, whose tally pruning keeps (a late joiner
	// checks a member's snapshot against it).
	prefixLatestRoot = []byte("contracts/latestroot/")
	// prefixByCluster + cluster id holds its contract ids (ClusterContractsKey).
	prefixByCluster = []byte("contracts/bycluster/")
	// prefixFee + contract id + input (8 bytes BE) holds the command fee
	// held for that input until its replicas agree: the 16-byte amount,
	// the 8-byte height at which it is refunded, and the sender's address.
	prefixFee = []byte("contracts/fee/")
	// prefixRefund + refund height (8 bytes BE) + contract id + input (8
	// bytes BE) holds 1 byte: the refund queue of held fees, in refund
	// order (refundKey).
	prefixRefund = []byte("contracts/refund/")
	// prefixDiverged + contract id holds its []Divergence (JSON).
	prefixDiverged = []byte("contracts/diverged/")
	// prefixUpload + uploader address holds its chunked Upload in
	// progress (JSON), at most one per account.
	prefixUpload = []byte("contracts/upload/")
	// prefixUploadChunk + uploader address + chunk number (4 bytes BE)
	// holds one chunk of that upload.
	prefixUploadChunk = []byte("contracts/uploadchunk/")
	// prefixUploadExpiry + height (8 bytes BE) + uploader address marks
	// an upload for deletion in that height's EndBlock (value: 1 byte).
	prefixUploadExpiry = []byte("contracts/uploadexpiry/")
)

// CodeKey is the state key of a code blob, for proofs.
func CodeKey(hash [32]byte) []byte { return state.Key(prefixCode, hash[:]) }

// ParamsKey holds the module's Params (JSON), for proofs: a replica bounds
// its queries by command_gas.
func ParamsKey() []byte { return keyParams }

// codeInfoKey holds a code's Code record.
func codeInfoKey(hash [32]byte) []byte { return state.Key(prefixCodeInfo, hash[:]) }

// ContractKey is the state key of a contract record, for proofs.
func ContractKey(id [32]byte) []byte { return state.Key(prefixContract, id[:]) }

// ClusterContractsKey holds the ids (32 bytes each) of a cluster's
// contracts, for proofs.
func ClusterContractsKey(cluster [32]byte) []byte { return state.Key(prefixByCluster, cluster[:]) }

// inputKey is prefix + contract id + input number: the keys of results,
// root tallies and held fees.
func inputKey(prefix []byte, id [32]byte, input uint64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefix, id[:]), input)
}

// resultKey holds the Result of one input.
func resultKey(id [32]byte, input uint64) []byte { return inputKey(prefixResult, id, input) }

// RootsKey holds the RootReport of one input, for proofs (a late joiner
// checks a member's snapshot against its majority).
func RootsKey(id [32]byte, input uint64) []byte { return inputKey(prefixRoots, id, input) }

// feeKey holds the fee held for one input.
func feeKey(id [32]byte, input uint64) []byte { return inputKey(prefixFee, id, input) }

// refundKey queues the refund of the fee held for one input at height h.
func refundKey(h int64, id [32]byte, input uint64) []byte {
	k := binary.BigEndian.AppendUint64(append([]byte(nil), prefixRefund...), uint64(h))
	return binary.BigEndian.AppendUint64(append(k, id[:]...), input)
}

// seenKey marks a command envelope (by its SHA-256) as submitted.
func seenKey(envelopeHash []byte) []byte { return state.Key(prefixSeen, envelopeHash) }

// seenExpiryPrefix is the prefix of the seen records expiring at height.
func seenExpiryPrefix(height int64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixSeenExpiry), uint64(height))
}

// seenExpiryKey queues the deletion of an envelope's seen record at its
// expiry height.
func seenExpiryKey(height int64, envelopeHash []byte) []byte {
	return append(seenExpiryPrefix(height), envelopeHash...)
}

// prunePrefix is the prefix of the inputs pruned at height.
func prunePrefix(height int64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixPrune), uint64(height))
}

// pruneKey queues the pruning of one input at height.
func pruneKey(height int64, id [32]byte, input uint64) []byte {
	return binary.BigEndian.AppendUint64(append(prunePrefix(height), id[:]...), input)
}

// activityPrunePrefix is the prefix of the activity notices pruned at
// height.
func activityPrunePrefix(height int64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixActivityPrune), uint64(height))
}

// activityPruneKey queues the pruning of a cluster's activity notice seq
// at height.
func activityPruneKey(height int64, cluster [32]byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(activityPrunePrefix(height), cluster[:]...), seq)
}

// PrunedKey holds how many of a contract's first inputs are pruned (8
// bytes BE), for proofs: a replica whose next input is gone catches up by
// snapshot.
func PrunedKey(id [32]byte) []byte { return state.Key(prefixPruned, id[:]) }

// latestRootKey holds the input of a contract's latest root majority.
func latestRootKey(id [32]byte) []byte { return state.Key(prefixLatestRoot, id[:]) }

// divergedKey holds a contract's divergences.
func divergedKey(id [32]byte) []byte { return state.Key(prefixDiverged, id[:]) }

// uploadKey holds an account's Upload in progress.
func uploadKey(uploader address.Address) []byte { return state.Key(prefixUpload, uploader[:]) }

// uploadChunkKey holds chunk n of an account's upload.
func uploadChunkKey(uploader address.Address, n uint32) []byte {
	return binary.BigEndian.AppendUint32(state.Key(prefixUploadChunk, uploader[:]), n)
}

// uploadExpiryPrefix is the prefix of the expiry marks of one height.
func uploadExpiryPrefix(height int64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixUploadExpiry), uint64(height))
}

// uploadExpiryKey marks an account's upload to expire at height.
func uploadExpiryKey(height int64, uploader address.Address) []byte {
	return append(uploadExpiryPrefix(height), uploader[:]...)
}
