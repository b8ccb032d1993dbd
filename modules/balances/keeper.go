package balances

import (
	"bytes"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes balances state. It holds no state of its own, so
// one value serves every context.
type Keeper struct{}

// Account returns the account at addr; an unknown address is a zero account.
func (Keeper) Account(kv state.KV, addr address.Address) Account {
	raw := kv.Get(AccountKey(addr))
	if raw == nil {
		return Account{}
	}
	a, err := DecodeAccount(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("account %s: %w", addr, err)})
	}
	return a
}

// SetAccount stores the account; a zero account is deleted to keep the
// tree small.
func (Keeper) SetAccount(kv state.KV, addr address.Address, a Account) {
	if a.Nonce == 0 && a.Balance.IsZero() {
		kv.Delete(AccountKey(addr))
		return
	}
	kv.Set(AccountKey(addr), a.encode())
}

// Add credits amount to addr.
func (k Keeper) Add(kv state.KV, addr address.Address, amount pha.Amount) error {
	a := k.Account(kv, addr)
	nb, err := a.Balance.Add(amount)
	if err != nil {
		return fmt.Errorf("credit %s to %s: %w", amount.PHA(), addr, err)
	}
	a.Balance = nb
	k.SetAccount(kv, addr, a)
	return nil
}

// Sub debits amount from addr, failing with ErrInsufficientFunds.
func (k Keeper) Sub(kv state.KV, addr address.Address, amount pha.Amount) error {
	a := k.Account(kv, addr)
	nb, err := a.Balance.Sub(amount)
	if err != nil {
		return fmt.Errorf("%w: %s has %s, needs %s", ErrInsufficientFunds, addr, a.Balance.PHA(), amount.PHA())
	}
	a.Balance = nb
	k.SetAccount(kv, addr, a)
	return nil
}

// Transfer moves amount from one account to another.
func (k Keeper) Transfer(kv state.KV, from, to address.Address, amount pha.Amount) error {
	if err := k.Sub(kv, from, amount); err != nil {
		return err
	}
	return k.Add(kv, to, amount)
}

// Supply is the total supply recorded at genesis.
func (Keeper) Supply(kv state.KV) pha.Amount {
	return module.GetAmount(kv, keySupply, "supply record")
}

// setSupply records the total supply; genesis calls it once.
func (Keeper) setSupply(kv state.KV, total pha.Amount) { kv.Set(keySupply, total.Bytes()) }

// IterateAccounts calls fn for every account in address order.
func (Keeper) IterateAccounts(kv state.KV, fn func(address.Address, Account) bool) {
	kv.Iterate(prefixAccount, func(k, v []byte) bool {
		var addr address.Address
		copy(addr[:], k[len(prefixAccount):])
		a, err := DecodeAccount(v)
		if err != nil {
			panic(&state.StorageError{Err: fmt.Errorf("account %s: %w", addr, err)})
		}
		return fn(addr, a)
	})
}

// AccountsPrefix is the state prefix of every account record, for code
// that watches what a block writes there (the app's supply check).
func AccountsPrefix() []byte { return bytes.Clone(prefixAccount) }

// RecordBalance is the balance held in a raw account record; nil, an
// absent record, holds nothing.
func RecordBalance(raw []byte) (pha.Amount, error) {
	if raw == nil {
		return pha.Amount{}, nil
	}
	a, err := DecodeAccount(raw)
	return a.Balance, err
}

// SumBalances adds up every balance: the left side of the supply
// invariant (chain/app.CheckSupply).
func (k Keeper) SumBalances(kv state.KV) (pha.Amount, error) {
	var sum pha.Amount
	var err error
	k.IterateAccounts(kv, func(_ address.Address, a Account) bool {
		sum, err = sum.Add(a.Balance)
		return err == nil
	})
	return sum, err
}
