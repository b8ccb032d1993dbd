package explorer

import (
	"net/http"

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
	return vaultRow{ID: s.ID, Owner: s.Owner.String(), Commission: percent(s.CommissionBps),
		Value: s.Value.PHA(), Free: s.Free.PHA(), Price: s.Price, Pools: len(s.Pools)}
}

func (e *Explorer) apiVaults(r *http.Request) (any, error) {
	list, err := listOf(r.Context(), e, vault.VaultsPath(), vaultRowOf)
	if err != nil {
		return nil, err
	}
	return struct {
		Vaults []vaultRow `json:"vaults"`
	}{Vaults: list}, nil
}

func (e *Explorer) apiVault(r *http.Request) (any, error) {
	_, info, err := byNumID[vault.Info](e, r, "vault", vault.VaultPath)
	if err != nil {
		return nil, err
	}
	v := vaultView{vaultRow: vaultRowOf(info.Summary), Shares: info.TotalShares.PHA(), CommissionShares: info.CommissionShares.PHA(),
		Positions: []vaultPosition{}, Queue: queueOf(info.Withdrawals)}
	for _, p := range info.Positions {
		v.Positions = append(v.Positions, vaultPosition{Pool: p.Pool, Shares: p.Shares.PHA(), Queued: p.Queued.PHA(), Value: p.Value.PHA(), PoolPrice: p.PoolPrice})
	}
	return v, nil
}
