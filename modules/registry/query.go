package registry

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
)

// Query paths under /registry/.
const (
	QueryWorkers = "workers" // workers -> []Worker
	QueryWorker  = "worker"  // worker/<hex id> -> Worker
	QueryParams  = "params"  // params -> Params
)

// WorkersPath is the query path of every worker record; it answers
// []Worker in id order.
func WorkersPath() string { return "/" + Name + "/" + QueryWorkers }

// WorkerPath is the query path of one worker's record; it answers Worker.
func WorkerPath(id WorkerID) string { return "/" + Name + "/" + QueryWorker + "/" + id.String() }

// ParamsPath is the query path of the registry params; it answers Params.
func ParamsPath() string { return "/" + Name + "/" + QueryParams }

// query answers the paths under /registry/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case QueryWorkers:
		out := []Worker{}
		m.Keeper.IterateWorkers(kv, func(w Worker) bool {
			out = append(out, w)
			return true
		})
		return json.Marshal(out)
	case QueryWorker:
		id, err := ParseWorkerID(rest)
		if err != nil {
			return nil, err
		}
		w, ok := m.Keeper.Worker(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownWorker, id)
		}
		return json.Marshal(w)
	case QueryParams:
		return json.Marshal(m.Keeper.Params(kv))
	}
	return nil, fmt.Errorf("%w: query path /registry/%s", tx.ErrNotFound, path)
}
