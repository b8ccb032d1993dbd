package stakepool

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /stakepool/.
const (
	QueryParams = "params" // params -> Params
	QueryPools  = "pools"  // pools -> []PoolSummary
	QueryPool   = "pool"   // pool/<id> -> PoolInfo
	QueryShares = "shares" // shares/<id>/<address> -> SharesInfo
	QueryWorker = "worker" // worker/<hex id> -> {"pool": id}
)

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
type WithdrawalView struct {
	Withdrawal
	Value pha.Amount `json:"value"`
}

// PoolInfo answers a pool query.
type PoolInfo struct {
	PoolSummary
	Workers     []PoolWorker     `json:"workers"`
	Withdrawals []WithdrawalView `json:"withdrawals"`
}

// SharesInfo answers a shares query: an account's stake in a pool.
type SharesInfo struct {
	Pool    uint64          `json:"pool"`
	Account address.Address `json:"account"`
	Shares  pha.Amount      `json:"shares"`
	Value   pha.Amount      `json:"value"`
	// Withdrawing is the account's queued request, if any.
	Withdrawing *WithdrawalView `json:"withdrawing,omitempty"`
}

// Summary returns the pool with its value and price.
func (p Pool) Summary() PoolSummary {
	return PoolSummary{Pool: p, Value: p.Value(), Price: p.Price()}
}

// Info assembles a pool's full view from kv.
func (m *Module) Info(kv state.KV, p Pool) PoolInfo {
	info := PoolInfo{PoolSummary: p.Summary(), Workers: []PoolWorker{}, Withdrawals: []WithdrawalView{}}
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
	for _, w := range m.Keeper.Queue(kv, &p) {
		info.Withdrawals = append(info.Withdrawals, WithdrawalView{Withdrawal: w, Value: p.ValueOf(w.Shares)})
	}
	return info
}

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	parts := strings.Split(path, "/")
	switch parts[0] {
	case QueryParams:
		return json.Marshal(m.Keeper.Params(kv))
	case QueryPools:
		out := []PoolSummary{}
		m.Keeper.IteratePools(kv, func(p Pool) bool {
			out = append(out, p.Summary())
			return true
		})
		return json.Marshal(out)
	case QueryPool:
		if len(parts) != 2 {
			break
		}
		p, err := m.queryPool(kv, parts[1])
		if err != nil {
			return nil, err
		}
		return json.Marshal(m.Info(kv, p))
	case QueryShares:
		if len(parts) != 3 {
			break
		}
		p, err := m.queryPool(kv, parts[1])
		if err != nil {
			return nil, err
		}
		a, err := address.Parse(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
		}
		held := m.Keeper.Shares(kv, p.ID, a)
		out := SharesInfo{Pool: p.ID, Account: a, Shares: held, Value: p.ValueOf(held)}
		if w, ok := m.Keeper.Queued(kv, p.ID, a); ok {
			out.Withdrawing = &WithdrawalView{Withdrawal: w, Value: p.ValueOf(w.Shares)}
		}
		return json.Marshal(out)
	case QueryWorker:
		if len(parts) != 2 {
			break
		}
		id, err := registry.ParseWorkerID(parts[1])
		if err != nil {
			return nil, err
		}
		pool, ok := m.Keeper.PoolOf(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrWorkerNotInPool, id)
		}
		return json.Marshal(struct {
			Pool uint64 `json:"pool"`
		}{pool})
	}
	return nil, fmt.Errorf("%w: query path /stakepool/%s", tx.ErrNotFound, path)
}

func (m *Module) queryPool(kv state.KV, s string) (Pool, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Pool{}, fmt.Errorf("%w: pool id %q", ErrUnknownPool, s)
	}
	p, ok := m.Keeper.Pool(kv, id)
	if !ok {
		return Pool{}, fmt.Errorf("%w: %d", ErrUnknownPool, id)
	}
	return p, nil
}
