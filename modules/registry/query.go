package registry

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
)

// Query paths under /registry/.
const (
	QueryWorkers = "workers" // workers -> []Worker
	QueryWorker  = "worker"  // worker/<hex id> -> Worker
	QueryParams  = "params"  // params -> Params
	// QueryTDXCollateral: tdx_collateral/<fmspc> -> tee.TDXCollateral.
	QueryTDXCollateral = "tdx_collateral"
	// QueryTDXCRL: tdx_crl/<issuer> -> tee.TDXCRL.
	QueryTDXCRL = "tdx_crl"
)

// TDXCRLPath is the query path of the CRL the chain holds of a TDX CA or
// an AMD ARK (tee.TDXCRLIssuer of its certificate).
func TDXCRLPath(issuer string) string {
	return "/" + Name + "/" + QueryTDXCRL + "/" + issuer
}

// TDXCollateralPath is the query path of the TCB collateral the chain
// holds for a TDX platform (FMSPC, lower-case hex).
func TDXCollateralPath(fmspc string) string {
	return "/" + Name + "/" + QueryTDXCollateral + "/" + fmspc
}

// WorkersPath is the query path of every worker record; it answers
// []Worker in id order.
func WorkersPath() string { return "/" + Name + "/" + QueryWorkers }

// WorkerPath is the query path of one worker's record; it answers Worker.
func WorkerPath(id WorkerID) string { return "/" + Name + "/" + QueryWorker + "/" + id.String() }

// ParamsPath is the query path of the registry params; it answers Params.
func ParamsPath() string { return "/" + Name + "/" + QueryParams }

// query answers the paths under /registry/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Rest(QueryWorkers, func(string) (any, error) { return m.workers(kv), nil }),
		module.Rest(QueryWorker, func(rest string) (any, error) { return m.queryWorker(kv, rest) }),
		module.Rest(QueryParams, func(string) (any, error) { return m.Keeper.Params(kv), nil }),
		module.Rest(QueryTDXCollateral, func(fmspc string) (any, error) {
			if c := m.Keeper.TDXCollateral(kv, fmspc); c != nil {
				return c, nil
			}
			return nil, fmt.Errorf("%w: no TDX collateral for FMSPC %q", ErrBadCollateral, fmspc)
		}),
		module.Rest(QueryTDXCRL, func(issuer string) (any, error) {
			if c := m.Keeper.TDXCRL(kv, issuer); c != nil {
				return c, nil
			}
			return nil, fmt.Errorf("%w: no CRL of CA %q", ErrBadCollateral, issuer)
		}),
	})
}

// workers lists every worker record.
func (m *Module) workers(kv state.KV) []Worker {
	out := []Worker{}
	m.Keeper.IterateWorkers(kv, func(w Worker) bool {
		out = append(out, w)
		return true
	})
	return out
}

// queryWorker answers worker/<id>.
func (m *Module) queryWorker(kv state.KV, rest string) (Worker, error) {
	id, err := ParseWorkerID(rest)
	if err != nil {
		return Worker{}, err
	}
	w, ok := m.Keeper.Worker(kv, id)
	if !ok {
		return Worker{}, fmt.Errorf("%w: %s", ErrUnknownWorker, id)
	}
	return w, nil
}
