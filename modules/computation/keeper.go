package computation

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes computation state. Sessions are stored in a
// fixed binary layout (settlement decodes every online session each block);
// params and stats are JSON.
type Keeper struct{}

// Params returns the computation params.
func (Keeper) Params(kv state.KV) Params {
	var p Params
	state.DecodeJSON(kv.Get(keyParams), &p, "computation params")
	return p
}

// SetParams stores the params.
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Session returns a worker's session; ok is false when it has none.
func (Keeper) Session(kv state.KV, id registry.WorkerID) (Session, bool) {
	raw := kv.Get(OnlineKey(id))
	if raw == nil {
		raw = kv.Get(SessionKey(id))
	}
	if raw == nil {
		return Session{}, false
	}
	return mustDecodeSession(raw), true
}

// setSession stores s under OnlineKey when it is computing and online,
// else under SessionKey; moved tells whether it also sat under the other
// key before (only transitions move a record).
func (Keeper) setSession(kv state.KV, s *Session, moved bool) {
	on := s.State == StateComputing && s.Online
	key, other := SessionKey(s.Worker), OnlineKey(s.Worker)
	if on {
		key, other = other, key
	}
	kv.Set(key, s.encode())
	if moved {
		kv.Delete(other)
	}
}

// deleteSession removes a session record wherever it is.
func (Keeper) deleteSession(kv state.KV, id registry.WorkerID) {
	kv.Delete(OnlineKey(id))
	kv.Delete(SessionKey(id))
}

// IterateOnline calls fn for each online session in worker id order. fn
// must not write.
func (Keeper) IterateOnline(kv state.KV, fn func(*Session) bool) {
	kv.Iterate(prefixOnline, func(_, v []byte) bool {
		s := mustDecodeSession(v)
		return fn(&s)
	})
}

// IterateSessions calls fn for every session, online ones first, each
// group in worker id order. It walks everything: for queries.
func (k Keeper) IterateSessions(kv state.KV, fn func(*Session) bool) {
	stopped := false
	k.IterateOnline(kv, func(s *Session) bool {
		stopped = !fn(s)
		return !stopped
	})
	if stopped {
		return
	}
	kv.Iterate(prefixSession, func(_, v []byte) bool {
		s := mustDecodeSession(v)
		return fn(&s)
	})
}

// Stats are the running totals of settlement, kept for queries and
// audits: every block with an online worker adds its budget to Spent,
// split exactly into ToPools and ToTreasury (the treasury's ratio plus the
// rounding dust).
type Stats struct {
	Height     int64      `json:"height"`
	Blocks     uint64     `json:"blocks_paid"`
	Spent      pha.Amount `json:"spent"`
	ToPools    pha.Amount `json:"to_pools"`
	ToTreasury pha.Amount `json:"to_treasury"`
	// Dust is the part of ToTreasury that is rounding: the workers' parts
	// are each rounded down and what they leave goes to the treasury.
	Dust pha.Amount `json:"dust"`
	// LastOnline and LastShares describe the last paid block.
	LastOnline int               `json:"last_online"`
	LastShares fixedpoint.U64F64 `json:"last_total_share"`
}

// Stats returns the settlement totals.
func (Keeper) Stats(kv state.KV) Stats {
	var s Stats
	state.DecodeJSON(kv.Get(keyStats), &s, "computation stats")
	return s
}

func (Keeper) setStats(kv state.KV, s Stats) { kv.Set(keyStats, state.EncodeJSON(s)) }

// sessionVersion is the first byte of an encoded session.
const sessionVersion = 1

var stateCodes = [...]string{0: "", 1: StateComputing, 2: StateCoolingDown}

// sessionSize is the length of an encoded session.
const sessionSize = 1 + 32 + 8 + 1 + 1 + 8 + pha.Size + 16 + 16 + 8*7

// encode writes the session in its fixed binary layout: version, worker,
// pool, state code, online, P, stake, initial V, V (raw 64.64, big-endian
// integer then fraction), then the heights VHeight, Challenge, Answered,
// LastHeartbeat, StartHeight, OfflineSince, CoolingUntil (8 bytes each).
func (s *Session) encode() []byte {
	b := make([]byte, 0, sessionSize)
	b = append(b, sessionVersion)
	b = append(b, s.Worker[:]...)
	b = binary.BigEndian.AppendUint64(b, s.Pool)
	code := byte(0)
	for i, name := range stateCodes {
		if name == s.State && i > 0 {
			code = byte(i)
		}
	}
	b = append(b, code)
	online := byte(0)
	if s.Online {
		online = 1
	}
	b = append(b, online)
	b = binary.BigEndian.AppendUint64(b, s.Benchmark)
	b = append(b, s.Stake.Bytes()...)
	for _, v := range []fixedpoint.U64F64{s.InitialV, s.V} {
		hi, lo := v.Bits()
		b = binary.BigEndian.AppendUint64(b, hi)
		b = binary.BigEndian.AppendUint64(b, lo)
	}
	for _, h := range []int64{s.VHeight, s.Challenge, s.Answered, s.LastHeartbeat, s.StartHeight, s.OfflineSince, s.CoolingUntil} {
		b = binary.BigEndian.AppendUint64(b, uint64(h))
	}
	return b
}

// decodeSession reads encode's layout.
func decodeSession(b []byte) (Session, error) {
	if len(b) != sessionSize || b[0] != sessionVersion {
		return Session{}, fmt.Errorf("session record: %d bytes, want %d of version %d", len(b), sessionSize, sessionVersion)
	}
	var s Session
	copy(s.Worker[:], b[1:33])
	s.Pool = binary.BigEndian.Uint64(b[33:41])
	if int(b[41]) >= len(stateCodes) || b[41] == 0 {
		return Session{}, fmt.Errorf("session record: state code %d", b[41])
	}
	s.State = stateCodes[b[41]]
	s.Online = b[42] == 1
	s.Benchmark = binary.BigEndian.Uint64(b[43:51])
	s.Stake, _ = pha.FromBytes(b[51:67])
	s.InitialV = fixedpoint.FromBits(binary.BigEndian.Uint64(b[67:75]), binary.BigEndian.Uint64(b[75:83]))
	s.V = fixedpoint.FromBits(binary.BigEndian.Uint64(b[83:91]), binary.BigEndian.Uint64(b[91:99]))
	hs := []*int64{&s.VHeight, &s.Challenge, &s.Answered, &s.LastHeartbeat, &s.StartHeight, &s.OfflineSince, &s.CoolingUntil}
	for i, h := range hs {
		*h = int64(binary.BigEndian.Uint64(b[99+8*i : 107+8*i]))
	}
	return s, nil
}

func mustDecodeSession(raw []byte) Session {
	s, err := decodeSession(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("computation: %w", err)})
	}
	return s
}
