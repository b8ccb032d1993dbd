package balances

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /balances/.
const (
	QueryAccount = "account" // account/<address> -> AccountResponse
	QuerySupply  = "supply"  // supply -> SupplyResponse
)

// AccountResponse answers an account query.
type AccountResponse struct {
	Address address.Address `json:"address"`
	Account
}

// StakeAccount is the module account that holds every PHA staked in stake
// pools: free stake, stake locked by computing and cooling-down workers,
// and rewards not yet withdrawn. The supply report counts it as staked.
var StakeAccount = address.Module("stake_pools")

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

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case QueryAccount:
		addr, err := address.Parse(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
		}
		return json.Marshal(AccountResponse{Address: addr, Account: m.Keeper.Account(kv, addr)})
	case QuerySupply:
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
			return nil, fmt.Errorf("supply: %w", err)
		}
		return json.Marshal(SupplyResponse{Total: total, Treasury: tr, Subsidy: sub, Circulating: circ, Staked: staked})
	}
	return nil, fmt.Errorf("%w: query path /balances/%s", tx.ErrNotFound, path)
}
