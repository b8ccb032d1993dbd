package computation

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// The heartbeat challenge.
//
// Every block c the chain challenges some computing workers, chosen by the
// hash of the block before it (module.BlockHash(c−1), which the app records
// in FinalizeBlock): worker w is challenged at c when
// Challenged(BlockHash(c−1), w, challenge_threshold). With the default
// threshold that happens about twice an hour per worker.
//
// How a worker answers: after block c−1 is final, the worker's enclave
// takes that block's hash from its light client, and if Challenged(hash,
// its id, the threshold in /computation/params) is true it posts an mq
// message from its worker origin (signed with its identity key, next
// sequence) with topic TopicHeartbeat and payload HeartbeatPayload(c). The
// message must land in a block at height c through c+heartbeat_window. A
// computing worker that leaves a challenge unanswered that long goes
// offline: it earns nothing and its V decays until it answers any later
// challenge, which brings it back online.

// TopicHeartbeat is the mq topic of heartbeats (worker to chain).
const TopicHeartbeat = Name + "/heartbeat"

// challengeDomain separates challenge hashes from every other hash.
const challengeDomain = "phala/computation/challenge/v1"

// Challenged reports whether a worker is challenged at the block after the
// block with hash blockHash: the first 8 bytes of SHA-256(domain ||
// blockHash || worker), read big-endian (the hash mod 2^64), are below
// threshold. It allocates nothing, so settlement can ask for every online
// worker each block.
func Challenged(blockHash []byte, worker [32]byte, threshold uint64) bool {
	if len(blockHash) == 0 {
		return false
	}
	var sum [sha256.Size]byte
	var buf [len(challengeDomain) + 64 + 32]byte
	if len(blockHash) <= 64 {
		n := copy(buf[:], challengeDomain)
		n += copy(buf[n:], blockHash)
		n += copy(buf[n:], worker[:])
		sum = sha256.Sum256(buf[:n])
	} else { // not a CometBFT hash (32 bytes); same definition, slower
		h := sha256.New()
		h.Write([]byte(challengeDomain))
		h.Write(blockHash)
		h.Write(worker[:])
		h.Sum(sum[:0])
	}
	return binary.BigEndian.Uint64(sum[:8]) < threshold
}

// HeartbeatPayload is the payload of a heartbeat answering the challenge of
// height c: c as a uvarint.
func HeartbeatPayload(c int64) []byte {
	w := wire.NewWriter(10)
	w.Uvarint(uint64(c))
	return w.Bytes()
}

// DecodeHeartbeat reads a heartbeat payload.
func DecodeHeartbeat(payload []byte) (int64, error) {
	r := wire.NewReader(payload)
	c := r.Uvarint()
	if err := r.Done(); err != nil || c == 0 || c > 1<<62 {
		return 0, fmt.Errorf("%w: payload must be a challenge height as a uvarint", ErrBadHeartbeat)
	}
	return int64(c), nil
}

// HandleMQ consumes worker messages on "computation/..." topics: only
// heartbeats.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post %s", ErrNotWorkerOrigin, msg.Origin.Kind, msg.Topic)
	}
	if msg.Topic != TopicHeartbeat {
		return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
	}
	c, err := DecodeHeartbeat(msg.Payload)
	if err != nil {
		return err
	}
	return m.heartbeat(ctx, registry.WorkerID(msg.Origin.ID), c)
}

// heartbeat records a worker's answer to the challenge of height c.
func (m *Module) heartbeat(ctx *module.Context, id registry.WorkerID, c int64) error {
	s, ok := m.Keeper.Session(ctx.KV, id)
	if !ok || s.State != StateComputing {
		return fmt.Errorf("%w: %s", ErrNotComputing, id)
	}
	p := m.Keeper.Params(ctx.KV)
	if c > ctx.Height || ctx.Height-c > p.HeartbeatWindow || c < s.StartHeight {
		return fmt.Errorf("%w: challenge %d answered at %d, window %d blocks, session started at %d", ErrHeartbeatOutside, c, ctx.Height, p.HeartbeatWindow, s.StartHeight)
	}
	if c <= s.Answered {
		return fmt.Errorf("%w: challenge %d, last answered %d", ErrHeartbeatAnswered, c, s.Answered)
	}
	if !Challenged(module.BlockHash(ctx.KV, c-1), id, p.ChallengeThreshold) {
		return fmt.Errorf("%w: %s at %d", ErrNotChallenged, id, c)
	}
	wasOnline := s.Online
	s.Answered, s.LastHeartbeat = c, ctx.Height
	if s.Challenge != 0 && c >= s.Challenge {
		s.Challenge = 0
	}
	if !wasOnline {
		// Back online: V has decayed until now and grows from here.
		s.V, s.VHeight = p.ValueAt(&s, ctx.Height), ctx.Height
		s.Online, s.OfflineSince, s.Challenge = true, 0, 0
	}
	m.Keeper.setSession(ctx.KV, &s, !wasOnline)
	if ctx.Recording() {
		ctx.Emit(EventHeartbeat, module.Indexed(AttrWorker, id.String()), module.Attr(AttrChallenge, strconv.FormatInt(c, 10)))
		if !wasOnline {
			ctx.Emit(EventOnline, module.Indexed(AttrWorker, id.String()), module.Attr(AttrV, s.V.String()))
		}
	}
	return nil
}
