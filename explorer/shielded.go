package explorer

import (
	"net/http"

	"github.com/phalanetwork/phala/pha"
)

// shieldedView is the shielded pool as the explorer shows it: its size and
// tree counters only. It never carries an amount moved inside the pool, a
// party, a commitment's note or a sealed note: the chain has none of them
// in clear, and the explorer lists no leaves.
type shieldedView struct {
	SetUp bool `json:"set_up"`
	// Pool is the PHA the pool holds: the public balance of its module
	// account, the sum of all unspent notes together.
	Pool       string `json:"pool"`
	Root       string `json:"root"`
	Notes      uint64 `json:"notes"`
	Nullifiers uint64 `json:"nullifiers"`
	RootWindow uint64 `json:"root_window"`
}

func (e *Explorer) apiShielded(r *http.Request) (any, error) {
	info, err := e.c.ShieldedInfo(r.Context())
	if err != nil {
		return nil, err
	}
	pool, err := pha.Parse(info.Pool)
	if err != nil {
		return nil, err
	}
	return shieldedView{SetUp: info.SetUp, Pool: pool.PHA(), Root: info.Root, Notes: info.Notes,
		Nullifiers: info.Nullifiers, RootWindow: info.RootWindow}, nil
}
