package explorer

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/phalanetwork/phala/modules/vault"
)

// vaultRow is a vault in the list.
type vaultRow struct {
	ID         uint64 `json:"id"`
	Owner      string `json:"owner"`
	Commission string `json:"commission"`
	Value      string `json:"value"`
	Free       string `json:"free"`
	Price      string `json:"share_price"`
	Pools      int    `json:"pools"`
}

// vaultPosition is a vault's stake in one pool.
type vaultPosition struct {
	Pool      uint64 `json:"pool"`
	Shares    string `json:"shares"`
	Queued    string `json:"queued"`
	Value     string `json:"value"`
	PoolPrice string `json:"pool_price"`
}

// vaultView is a vault's page.
type vaultView struct {
	vaultRow
	Shares           string           `json:"total_shares"`
	CommissionShares string           `json:"commission_shares"`
	Positions        []vaultPosition  `json:"positions"`
	Queue            []poolWithdrawal `json:"queue"`
}

func vaultRowOf(s vault.Summary) vaultRow {
	return vaultRow{ID: s.ID, Owner: s.Owner.String(), Commission: fmt.Sprintf("%d.%02d%%", s.CommissionBps/100, s.CommissionBps%100),
		Value: s.Value.PHA(), Free: s.Free.PHA(), Price: s.Price, Pools: len(s.Pools)}
}

func (e *Explorer) apiVaults(r *http.Request) (any, error) {
	var list []vault.Summary
	if err := e.query(r.Context(), vault.VaultsPath(), &list); err != nil {
		return nil, err
	}
	out := struct {
		Vaults []vaultRow `json:"vaults"`
	}{Vaults: []vaultRow{}}
	for _, s := range list {
		out.Vaults = append(out.Vaults, vaultRowOf(s))
	}
	return out, nil
}

func (e *Explorer) apiVault(r *http.Request) (any, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: a vault id is a number", errBadRequest)
	}
	var info vault.Info
	if err := e.query(r.Context(), vault.VaultPath(id), &info); err != nil {
		return nil, fmt.Errorf("%w: vault %d: %v", errNotFound, id, err)
	}
	v := vaultView{vaultRow: vaultRowOf(info.Summary), Shares: info.TotalShares.PHA(), CommissionShares: info.CommissionShares.PHA(),
		Positions: []vaultPosition{}, Queue: []poolWithdrawal{}}
	for _, p := range info.Positions {
		v.Positions = append(v.Positions, vaultPosition{Pool: p.Pool, Shares: p.Shares.PHA(), Queued: p.Queued.PHA(), Value: p.Value.PHA(), PoolPrice: p.PoolPrice})
	}
	for _, w := range info.Withdrawals {
		v.Queue = append(v.Queue, poolWithdrawal{Account: w.Account.String(), Shares: w.Shares.PHA(), Value: w.Value.PHA(), Height: w.Height})
	}
	return v, nil
}
