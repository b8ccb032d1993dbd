package stakepool

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Query paths under /stakepool/.
const (
	QueryParams = "params" // params -> Params
	QueryPools  = "pools"  // pools -> []PoolSummary
	QueryPool   = "pool"   // pool/<id> -> PoolInfo
	QueryShares = "shares" // shares/<id>/<address> -> SharesInfo
	QueryWorker = "worker" // worker/<hex id> -> WorkerPoolInfo
)

// queryPrefix starts every path this module answers.
const queryPrefix = "/" + Name + "/"

// ParamsPath is the query path of the params (answer: Params).
func ParamsPath() string { return queryPrefix + QueryParams }

// PoolsPath is the query path of every pool (answer: []PoolSummary).
func PoolsPath() string { return queryPrefix + QueryPools }

// PoolPath is the query path of one pool (answer: PoolInfo).
func PoolPath(id uint64) string { return queryPrefix + QueryPool + "/" + strconv.FormatUint(id, 10) }

// SharesPath is the query path of an account's stake in a pool (answer:
// SharesInfo).
func SharesPath(pool uint64, owner address.Address) string {
	return queryPrefix + QueryShares + "/" + strconv.FormatUint(pool, 10) + "/" + owner.String()
}

// WorkerPath is the query path of the pool a worker is in (answer:
// WorkerPoolInfo).
func WorkerPath(w registry.WorkerID) string { return queryPrefix + QueryWorker + "/" + w.String() }

// WorkerPoolInfo answers a worker query.
type WorkerPoolInfo struct {
	Pool uint64 `json:"pool"`
}

// PoolSummary is a pool with its value and share price.
type PoolSummary struct {
	Pool
	Value pha.Amount `json:"value"`
	// Price is value / total shares with 12 decimals, rounded down.
	Price string `json:"share_price"`
}

// PoolWorker is a member of a pool and its computing state.
type PoolWorker struct {
	Worker registry.WorkerID `json:"worker"`
	// State is "idle" (not computing), "computing" or "cooling_down".
	State  string            `json:"state"`
	Online bool              `json:"online"`
	P      uint64            `json:"p"`
	V      fixedpoint.U64F64 `json:"v"`
	Share  fixedpoint.U64F64 `json:"share"`
	Stake  pha.Amount        `json:"stake"`
	// CoolingUntil is when a cooling-down worker's stake returns.
	CoolingUntil int64 `json:"cooling_until,omitempty"`
}

// WithdrawalView is a queued withdrawal and what it is worth now.
type WithdrawalView = sharepool.WithdrawalView

// PoolInfo answers a pool query.
type PoolInfo struct {
	PoolSummary
	Workers     []PoolWorker     `json:"workers"`
	Withdrawals []WithdrawalView `json:"withdrawals"`
}

// Summary returns the pool with its value and price.
func (p Pool) Summary() PoolSummary {
	return PoolSummary{Pool: p, Value: p.Value(), Price: p.Price()}
}

// Info assembles a pool's full view from kv.
func (m *Module) Info(kv state.KV, p Pool) PoolInfo {
	info := PoolInfo{PoolSummary: p.Summary(), Workers: []PoolWorker{}}
	for _, w := range m.Keeper.Members(kv, p.ID) {
		pw := PoolWorker{Worker: w, State: "idle"}
		if s, ok := m.computation.SessionAt(kv, w); ok {
			pw.State, pw.Online, pw.P, pw.V, pw.Share, pw.Stake = s.State, s.Online, s.Benchmark, s.VNow, s.Share, s.Stake
			pw.CoolingUntil = s.CoolingUntil
		} else if rec, ok := m.registry.Keeper.Worker(kv, w); ok {
			pw.P = rec.BenchmarkScore
		}
		info.Workers = append(info.Workers, pw)
	}
	info.Withdrawals = shareLedger.Views(kv, p.ID, p.Queue, info.Value, p.TotalShares)
	return info
}

// query answers the paths under /stakepool/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Fixed(QueryParams, m.Keeper.Params),
		module.List(QueryPools, m.Keeper.IteratePools, func(_ state.KV, p Pool) PoolSummary { return p.Summary() }),
		module.ByID(QueryPool, 2, "pool", ErrUnknownPool, m.Keeper.Pool, func(kv state.KV, p Pool, _ []string) (any, error) { return m.Info(kv, p), nil }),
		module.ByID(QueryShares, 3, "pool", ErrUnknownPool, m.Keeper.Pool, m.sharesInfo),
		{Name: QueryWorker, Parts: 2, Answer: func(kv state.KV, args []string) (any, error) { return m.workerPool(kv, args[0]) }},
	})
}

// SharesInfo answers a shares query: an account's stake in a pool.
type SharesInfo struct {
	Pool uint64 `json:"pool"`
	sharepool.Holding
}

// sharesInfo answers shares/<id>/<account> for pool p.
func (m *Module) sharesInfo(kv state.KV, p Pool, args []string) (any, error) {
	h, err := shareLedger.Holding(kv, p.ID, args[0], p.Value(), p.TotalShares)
	return SharesInfo{Pool: p.ID, Holding: h}, err
}

func (m *Module) workerPool(kv state.KV, worker string) (WorkerPoolInfo, error) {
	id, err := registry.ParseWorkerID(worker)
	if err != nil {
		return WorkerPoolInfo{}, err
	}
	pool, ok := m.Keeper.PoolOf(kv, id)
	if !ok {
		return WorkerPoolInfo{}, fmt.Errorf("%w: %s", ErrWorkerNotInPool, id)
	}
	return WorkerPoolInfo{Pool: pool}, nil
}
