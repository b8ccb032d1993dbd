package computation

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/modules/registry"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the Params (JSON).
	keyParams = []byte("computation/params")
	// keyStats holds the Stats (JSON).
	keyStats = []byte("computation/stats")
	// prefixOnline is followed by a worker id: the Session of an online
	// computing worker (binary, Session.encode).
	prefixOnline = []byte("computation/on/")
	// prefixSession is followed by a worker id: every other Session
	// (binary, Session.encode).
	prefixSession = []byte("computation/s/")
	// prefixCool is followed by a release height (8 bytes) and a worker id:
	// 1 byte, the worker's cool-down ends at that height.
	prefixCool = []byte("computation/cd/")
)

// OnlineKey is where the session of an online computing worker lives
// (binary, see Session.encode); settlement walks this prefix every block.
func OnlineKey(id registry.WorkerID) []byte {
	return append(append([]byte(nil), prefixOnline...), id[:]...)
}

// SessionKey is where every other session lives: offline or cooling down.
// A session is under exactly one of OnlineKey and SessionKey.
func SessionKey(id registry.WorkerID) []byte {
	return append(append([]byte(nil), prefixSession...), id[:]...)
}

// CoolKey is the cool-down queue entry (1 byte) of a session whose stake is released
// at height until; the queue is in release order.
func CoolKey(until int64, id registry.WorkerID) []byte {
	k := make([]byte, 0, len(prefixCool)+8+32)
	k = append(k, prefixCool...)
	k = binary.BigEndian.AppendUint64(k, uint64(until))
	return append(k, id[:]...)
}

// StatsKey holds the running totals of what computation paid (JSON Stats).
func StatsKey() []byte { return append([]byte(nil), keyStats...) }

// ParamsKey is the state key of the parameters (JSON Params), for proofs.
func ParamsKey() []byte { return append([]byte(nil), keyParams...) }
