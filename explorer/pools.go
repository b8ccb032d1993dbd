package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	rpcclient "github.com/cometbft/cometbft/rpc/client"

	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/sharepool"
)

// poolRow is a stake pool in the list.
type poolRow struct {
	ID         uint64 `json:"id"`
	Owner      string `json:"owner"`
	Commission string `json:"commission"`
	Value      string `json:"value"`
	Price      string `json:"share_price"`
	Shares     string `json:"total_shares"`
	Workers    int    `json:"workers"`
}

// pricePoint is the share price at a height.
type pricePoint struct {
	Height int64  `json:"height"`
	Price  string `json:"price"`
}

// poolWorker is a pool member as the page shows it.
type poolWorker struct {
	Worker string `json:"worker"`
	State  string `json:"state"`
	Online bool   `json:"online"`
	P      uint64 `json:"p"`
	V      string `json:"v"`
	Stake  string `json:"stake"`
}

// poolWithdrawal is a queued withdrawal.
type poolWithdrawal struct {
	Account string `json:"account"`
	Shares  string `json:"shares"`
	Value   string `json:"value"`
	Height  int64  `json:"requested_height"`
}

// poolView is a pool's page: its record, workers, queue and price history.
type poolView struct {
	poolRow
	FreeStake   string           `json:"free_stake"`
	LockedStake string           `json:"locked_stake"`
	WorkerList  []poolWorker     `json:"worker_list"`
	Queue       []poolWithdrawal `json:"queue"`
	History     []pricePoint     `json:"history"`
}

func rowOf(p stakepool.PoolSummary, workers int) poolRow {
	return poolRow{ID: p.ID, Owner: p.Owner.String(), Commission: percent(p.CommissionBps),
		Value: p.Value.PHA(), Price: p.Price, Shares: p.TotalShares.PHA(), Workers: workers}
}

// percent shows basis points as a percentage with two decimals.
func percent(bps uint32) string { return fmt.Sprintf("%d.%02d%%", bps/100, bps%100) }

// queueOf is a pool's or a vault's withdrawal queue as the pages show it.
func queueOf(ws []sharepool.WithdrawalView) []poolWithdrawal {
	out := []poolWithdrawal{}
	for _, w := range ws {
		out = append(out, poolWithdrawal{Account: w.Account.String(), Shares: w.Shares.PHA(), Value: w.Value.PHA(), Height: w.Height})
	}
	return out
}

func (e *Explorer) apiPools(r *http.Request) (any, error) {
	list, err := listOf(r.Context(), e, stakepool.PoolsPath(), func(p stakepool.PoolSummary) poolRow {
		var info stakepool.PoolInfo
		n := 0
		if e.query(r.Context(), stakepool.PoolPath(p.ID), &info) == nil {
			n = len(info.Workers)
		}
		return rowOf(p, n)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		Pools []poolRow `json:"pools"`
	}{Pools: list}, nil
}

// historyPoints is how many heights the price chart samples.
const historyPoints = 24

func (e *Explorer) apiPool(r *http.Request) (any, error) {
	ctx := r.Context()
	id, info, err := byNumID[stakepool.PoolInfo](e, r, "pool", stakepool.PoolPath)
	if err != nil {
		return nil, err
	}
	v := poolView{poolRow: rowOf(info.PoolSummary, len(info.Workers)), FreeStake: info.FreeStake.PHA(), LockedStake: info.LockedStake.PHA(),
		WorkerList: []poolWorker{}, Queue: queueOf(info.Withdrawals)}
	for _, w := range info.Workers {
		v.WorkerList = append(v.WorkerList, poolWorker{Worker: w.Worker.String(), State: w.State, Online: w.Online, P: w.P, V: w.V.String(), Stake: w.Stake.PHA()})
	}
	v.History = e.priceHistory(ctx, stakepool.PoolPath(id))
	return v, nil
}

// priceHistory samples the pool's share price over the last blocks from
// the chain's versioned state (queries at past heights).
func (e *Explorer) priceHistory(ctx context.Context, path string) []pricePoint {
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil
	}
	top := st.SyncInfo.LatestBlockHeight
	span := min(top-1, int64(1200))
	step := max(span/historyPoints, 1)
	var out []pricePoint
	for h := top - span; h <= top; h += step {
		res, err := e.c.RPC.ABCIQueryWithOptions(ctx, path, nil, rpcclient.ABCIQueryOptions{Height: h})
		if err != nil || res.Response.Code != 0 {
			continue // before the pool existed, or pruned
		}
		var p stakepool.PoolInfo
		if json.Unmarshal(res.Response.Value, &p) == nil {
			out = append(out, pricePoint{Height: h, Price: p.Price})
		}
	}
	return out
}
