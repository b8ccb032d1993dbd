package balances

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /balances/.
const (
	QueryAccount = "account" // account/<address> -> AccountResponse
	QuerySupply  = "supply"  // supply -> SupplyResponse
)

// AccountPath is the query path of addr's account; it answers
// AccountResponse.
func AccountPath(addr address.Address) string {
	return "/" + Name + "/" + QueryAccount + "/" + addr.String()
}

// SupplyPath is the query path of the supply breakdown; it answers
// SupplyResponse.
func SupplyPath() string { return "/" + Name + "/" + QuerySupply }

// AccountResponse answers an account query.
type AccountResponse struct {
	Address address.Address `json:"address"`
	Account
}

// SupplyResponse answers a supply query.
type SupplyResponse struct {
	Total    pha.Amount `json:"total"`
	Treasury pha.Amount `json:"treasury"`
	Subsidy  pha.Amount `json:"computation_subsidy"`
	// Circulating is the total less the subsidy pool, the treasury and
	// the staked PHA.
	Circulating pha.Amount `json:"circulating"`
	// Staked is what stake pools hold (StakeAccount).
	Staked pha.Amount `json:"staked"`
}

// query answers the paths under /balances/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Rest(QueryAccount, func(rest string) (any, error) { return m.queryAccount(kv, rest) }),
		module.Rest(QuerySupply, func(string) (any, error) { return m.supply(kv) }),
	})
}

// queryAccount answers account/<address>.
func (m *Module) queryAccount(kv state.KV, rest string) (AccountResponse, error) {
	addr, err := module.ParseAccount(rest)
	if err != nil {
		return AccountResponse{}, err
	}
	return AccountResponse{Address: addr, Account: m.Keeper.Account(kv, addr)}, nil
}

// supply breaks the total supply down by the module accounts that hold it.
func (m *Module) supply(kv state.KV) (SupplyResponse, error) {
	total := m.Keeper.Supply(kv)
	tr := m.Keeper.Account(kv, Treasury).Balance
	sub := m.Keeper.Account(kv, SubsidyPool).Balance
	staked := m.Keeper.Account(kv, StakeAccount).Balance
	circ, err := total.Sub(tr)
	if err == nil {
		circ, err = circ.Sub(sub)
	}
	if err == nil {
		circ, err = circ.Sub(staked)
	}
	if err != nil {
		return SupplyResponse{}, fmt.Errorf("supply: %w", err)
	}
	return SupplyResponse{Total: total, Treasury: tr, Subsidy: sub, Circulating: circ, Staked: staked}, nil
}
