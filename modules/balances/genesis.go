package balances

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Genesis is the balances section of the genesis app state: the allocation
// table that creates the whole supply.
type Genesis struct {
	Allocations []Allocation `json:"allocations"`
}

// Allocation gives Amount to a named account. A module account ("treasury",
// "computation_subsidy") may omit Address: it is derived from the name.
type Allocation struct {
	Name    string           `json:"name"`
	Address *address.Address `json:"address,omitempty"`
	Amount  pha.Amount       `json:"amount"`
}

// Addr returns the allocation's address, derived from the name for module
// accounts.
func (a Allocation) Addr() address.Address {
	if a.Address != nil {
		return *a.Address
	}
	return address.Module(a.Name)
}

// Validate checks that the table creates exactly TotalSupply, names every
// row, lists each address once and funds the treasury and subsidy pool.
func (g *Genesis) Validate() error {
	var sum pha.Amount
	seen := map[address.Address]string{}
	for i, a := range g.Allocations {
		if a.Name == "" {
			return fmt.Errorf("%w: allocation %d has no name", ErrBadGenesis, i)
		}
		addr := a.Addr()
		if prev, ok := seen[addr]; ok {
			return fmt.Errorf("%w: %s and %s share address %s", ErrBadGenesis, prev, a.Name, addr)
		}
		seen[addr] = a.Name
		var err error
		if sum, err = sum.Add(a.Amount); err != nil {
			return fmt.Errorf("%w: %v", ErrBadGenesis, err)
		}
	}
	if sum != TotalSupply {
		return fmt.Errorf("%w: allocations add up to %s, the total supply is %s", ErrBadGenesis, sum.PHA(), TotalSupply.PHA())
	}
	for _, must := range []address.Address{Treasury, SubsidyPool} {
		if _, ok := seen[must]; !ok {
			return fmt.Errorf("%w: no allocation for module account %s", ErrBadGenesis, must)
		}
	}
	return nil
}

// DefaultGenesis splits the supply between the subsidy pool, the treasury
// and the given named accounts, each of which gets perAccount.
func DefaultGenesis(accounts map[string]address.Address, names []string, perAccount pha.Amount) (Genesis, error) {
	subsidy := pha.Whole(700_000_000)
	rest, err := TotalSupply.Sub(subsidy)
	if err != nil {
		return Genesis{}, err
	}
	g := Genesis{Allocations: []Allocation{{Name: "computation_subsidy", Amount: subsidy}}}
	for _, n := range names {
		addr := accounts[n]
		if rest, err = rest.Sub(perAccount); err != nil {
			return Genesis{}, fmt.Errorf("genesis: not enough supply for account %s", n)
		}
		g.Allocations = append(g.Allocations, Allocation{Name: n, Address: &addr, Amount: perAccount})
	}
	g.Allocations = append(g.Allocations, Allocation{Name: "treasury", Amount: rest})
	return g, g.Validate()
}

func parseGenesis(raw json.RawMessage) (Genesis, error) {
	var g Genesis
	if len(raw) == 0 || string(raw) == "null" {
		return g, fmt.Errorf("%w: the balances section is missing", ErrBadGenesis)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return g, fmt.Errorf("%w: %v", ErrBadGenesis, err)
	}
	return g, g.Validate()
}

// initGenesis credits every allocation and records the total supply.
func (m *Module) initGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	for _, a := range g.Allocations {
		if err := m.Keeper.Add(ctx.KV, a.Addr(), a.Amount); err != nil {
			return fmt.Errorf("genesis allocation %s: %w", a.Name, err)
		}
	}
	m.Keeper.setSupply(ctx.KV, TotalSupply)
	return nil
}
