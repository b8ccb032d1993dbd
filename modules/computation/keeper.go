package computation

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/registry"
)

// Keeper reads and writes computation state. Sessions are stored in a
// fixed binary layout (settlement decodes every online session each block);
// params and stats are JSON.
type Keeper struct{}

// Params returns the computation params.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, Params{}, "computation params")
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

// Stats returns the settlement totals.
func (Keeper) Stats(kv state.KV) Stats {
	return module.LoadJSON(kv, keyStats, Stats{}, "computation stats")
}

func (Keeper) setStats(kv state.KV, s Stats) { kv.Set(keyStats, state.EncodeJSON(s)) }

// rawParams returns the stored params' bytes, for EndBlock's cache.
func (Keeper) rawParams(kv state.KV) []byte { return kv.Get(keyParams) }

// setCooldown queues the release of a worker's stake at height until.
func (Keeper) setCooldown(kv state.KV, until int64, id registry.WorkerID) {
	kv.Set(CoolKey(until, id), []byte{1})
}
