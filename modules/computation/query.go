package computation

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/registry"
)

// Query paths under /computation/.
const (
	QueryParams   = "params"   // params -> Params
	QuerySession  = "session"  // session/<hex worker id> -> SessionView
	QuerySessions = "sessions" // sessions -> []SessionView
	QueryStats    = "stats"    // stats -> Stats
)

// queryPrefix starts every path this module answers.
const queryPrefix = "/" + Name + "/"

// ParamsPath is the query path of the params (answer: Params).
func ParamsPath() string { return queryPrefix + QueryParams }

// StatsPath is the query path of the settlement totals (answer: Stats).
func StatsPath() string { return queryPrefix + QueryStats }

// SessionPath is the query path of a worker's session (answer:
// SessionView).
func SessionPath(w registry.WorkerID) string { return queryPrefix + QuerySession + "/" + w.String() }

// SessionsPath is the query path of every session (answer: []SessionView).
func SessionsPath() string { return queryPrefix + QuerySessions }

// SessionView is a session as of the queried height: the stored record and
// V and the share worked out for that height.
type SessionView struct {
	Session
	// Height is the height the view was computed at.
	Height int64 `json:"height"`
	// VNow is V at Height: grown while online, decayed while offline.
	VNow  fixedpoint.U64F64 `json:"v_now"`
	Share fixedpoint.U64F64 `json:"share"`
}

// View returns a session as of height h.
func (p Params) View(s Session, h int64) SessionView {
	if h < s.VHeight {
		h = s.VHeight
	}
	v := p.ValueAt(&s, h)
	share, _ := Share(v, s.Benchmark) // overflow is refused at Start
	return SessionView{Session: s, Height: h, VNow: v, Share: share}
}

// heightOf returns the version of a committed view, 0 for other KVs.
func heightOf(kv state.KV) int64 {
	if v, ok := kv.(interface{ Version() int64 }); ok {
		return v.Version()
	}
	return 0
}

// SessionAt returns a worker's session as of the height of kv (a
// committed view; other stores give the stored V).
func (m *Module) SessionAt(kv state.KV, id registry.WorkerID) (SessionView, bool) {
	s, ok := m.Keeper.Session(kv, id)
	if !ok {
		return SessionView{}, false
	}
	return m.Keeper.Params(kv).View(s, heightOf(kv)), true
}

// query answers the paths under /computation/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Rest(QueryParams, func(string) (any, error) { return m.Keeper.Params(kv), nil }),
		module.Rest(QueryStats, func(string) (any, error) { return m.Keeper.Stats(kv), nil }),
		module.Rest(QuerySession, func(rest string) (any, error) { return m.querySession(kv, rest) }),
		module.Rest(QuerySessions, func(string) (any, error) { return m.sessions(kv), nil }),
	})
}

// querySession answers session/<worker id>.
func (m *Module) querySession(kv state.KV, rest string) (SessionView, error) {
	id, err := registry.ParseWorkerID(rest)
	if err != nil {
		return SessionView{}, fmt.Errorf("%w: %v", ErrUnknownWorker, err)
	}
	v, ok := m.SessionAt(kv, id)
	if !ok {
		return SessionView{}, fmt.Errorf("%w: %s has no session", ErrNotComputing, id)
	}
	return v, nil
}

// sessions lists every session as of the height of kv.
func (m *Module) sessions(kv state.KV) []SessionView {
	p, h := m.Keeper.Params(kv), heightOf(kv)
	out := []SessionView{}
	m.Keeper.IterateSessions(kv, func(s *Session) bool {
		out = append(out, p.View(*s, h))
		return true
	})
	return out
}
