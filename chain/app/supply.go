package app

import (
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// ErrSupplyBroken is the supply invariant failing: PHA was created or
// destroyed after genesis. It is a bug in deterministic code that every
// validator hits alike, so the node halts rather than commit the block.
var ErrSupplyBroken = errors.New("supply invariant broken")

// CheckSupply is the supply invariant: the balances of all accounts add up
// to the total supply recorded at genesis. Nothing mints or burns PHA
// after genesis, and every holding (treasury, subsidy pool, stake pools,
// vaults, escrows, bonds, deposits) is an account, so the sum covers every
// PHA. It reads every account: the app runs it once when it opens its
// state, tests after every block; each block is checked by what it wrote
// (App.blockSupply). height names the state in the error.
func CheckSupply(kv state.KV, height int64) (pha.Amount, error) {
	sum, err := balances.Keeper{}.SumBalances(kv)
	if err != nil {
		return sum, fmt.Errorf("%w at height %d: account balances overflow: %v", ErrSupplyBroken, height, err)
	}
	return sum, compareSupply(kv, height, sum)
}

// compareSupply checks sum against the recorded total supply.
func compareSupply(kv state.KV, height int64, sum pha.Amount) error {
	supply := balances.Keeper{}.Supply(kv)
	if sum == supply {
		return nil
	}
	sign, more, less := "+", sum, supply
	if sum.LT(supply) {
		sign, more, less = "-", supply, sum
	}
	diff, _ := more.Sub(less) // cannot fail: more >= less
	return fmt.Errorf("%w at height %d: account balances add up to %s, the supply recorded at genesis is %s, difference %s%s",
		ErrSupplyBroken, height, sum.PHA(), supply.PHA(), sign, diff.PHA())
}

// blockSupply is the sum of all balances after the block being finalized:
// the sum at the last commit, less the committed balances of the accounts
// the block wrote, plus their new balances. Its cost follows the accounts
// a block touches, not the accounts that exist. The store sees every
// write, whichever module or layer made it.
func (a *App) blockSupply(height int64) (pha.Amount, error) {
	sum := a.supplySum
	for _, c := range a.store.Changes() {
		before, err := balances.RecordBalance(c.Before)
		if err == nil {
			sum, err = sum.Sub(before)
		}
		var after pha.Amount
		if err == nil {
			after, err = balances.RecordBalance(c.After)
		}
		if err == nil {
			sum, err = sum.Add(after)
		}
		if err != nil {
			return sum, fmt.Errorf("%w at height %d: account record %x: %v", ErrSupplyBroken, height, c.Key, err)
		}
	}
	return sum, compareSupply(a.store, height, sum)
}
