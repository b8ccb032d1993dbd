package vault

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Keeper reads and writes vault state; it reads the stake pools' state to
// value the vaults' positions.
type Keeper struct {
	pools stakepool.Keeper
}

// Vault returns a vault record.
func (Keeper) Vault(kv state.KV, id uint64) (Vault, bool) {
	return module.GetJSON[Vault](kv, VaultKey(id), "vault record")
}

func (Keeper) setVault(kv state.KV, v *Vault) { kv.Set(VaultKey(v.ID), state.EncodeJSON(v)) }

// IterateVaults calls fn for each vault in id order.
func (Keeper) IterateVaults(kv state.KV, fn func(Vault) bool) {
	module.EachJSON(kv, prefixVault, "vault record", fn)
}

// vaultIDs lists the vault ids in order.
func (Keeper) vaultIDs(kv state.KV) []uint64 {
	var ids []uint64
	kv.Iterate(prefixVault, func(k, _ []byte) bool {
		ids = append(ids, binary.BigEndian.Uint64(k[len(prefixVault):]))
		return true
	})
	return ids
}

// Shares returns an account's vault shares, queued ones excluded.
func (k Keeper) Shares(kv state.KV, id uint64, a address.Address) pha.Amount {
	return shareLedger.Shares(kv, id, a)
}

// Withdrawal returns a queued withdrawal.
func (k Keeper) Withdrawal(kv state.KV, id, seq uint64) (Withdrawal, bool) {
	return shareLedger.Withdrawal(kv, id, seq)
}

// Queued returns an account's queued withdrawal.
func (k Keeper) Queued(kv state.KV, id uint64, a address.Address) (Withdrawal, bool) {
	return shareLedger.Queued(kv, id, a)
}

// Free is the vault's free PHA: its account's balance.
func (Keeper) Free(kv state.KV, v *Vault) pha.Amount {
	return (balances.Keeper{}).Account(kv, v.Account).Balance
}

// Positions lists the vault's pool positions in pool id order.
func (k Keeper) Positions(kv state.KV, v *Vault) []Position {
	return k.positions(kv, v, func(id uint64) (stakepool.Pool, bool) { return k.pools.Pool(kv, id) })
}

// positions is Positions with the pool records read through pool.
func (k Keeper) positions(kv state.KV, v *Vault, pool func(uint64) (stakepool.Pool, bool)) []Position {
	out := []Position{}
	for _, id := range v.Pools {
		p, ok := pool(id)
		if !ok {
			continue
		}
		pos := Position{Pool: id, Shares: k.pools.Shares(kv, id, v.Account), PoolPrice: p.Price()}
		if w, ok := k.pools.Queued(kv, id, v.Account); ok {
			pos.Queued, pos.QueuedSeq, pos.QueuedDue, pos.hasRequest = w.Shares, w.Seq, w.Due, true
		}
		all, _ := pos.Shares.Add(pos.Queued) // both part of the pool's shares
		pos.Value = p.ValueOf(all)
		out = append(out, pos)
	}
	return out
}

// Value is the vault's value: free PHA plus its pool positions.
func (k Keeper) Value(kv state.KV, v *Vault) pha.Amount {
	return withStaked(k.Free(kv, v), k.Positions(kv, v))
}

// withStaked is free plus what the positions are worth.
func withStaked(free pha.Amount, ps []Position) pha.Amount {
	total := free
	for _, pos := range ps {
		total, _ = total.Add(pos.Value) // all parts of the supply
	}
	return total
}

// price is the share price in 10^-12 units (value·10^12 / shares), 1 for
// a vault without shares.
func (k Keeper) price(kv state.KV, v *Vault) pha.Amount {
	p, err := sharepool.Price(k.Value(kv, v), v.TotalShares)
	if err != nil {
		return sharepool.PriceOne()
	}
	return p
}

// HolderValue is what account a's vault shares, held and queued, are worth
// now across every vault, in vault id order.
func (k Keeper) HolderValue(kv state.KV, a address.Address) pha.Amount {
	var vaults []Vault
	k.IterateVaults(kv, func(v Vault) bool {
		vaults = append(vaults, v)
		return true
	})
	total := pha.Amount{}
	for i := range vaults {
		v := &vaults[i]
		shares := k.Shares(kv, v.ID, a)
		if w, ok := k.Queued(kv, v.ID, a); ok {
			shares, _ = shares.Add(w.Shares) // both part of the total
		}
		if shares.IsZero() {
			continue
		}
		total, _ = total.Add(sharepool.ValueOf(shares, k.Value(kv, v), v.TotalShares))
	}
	return total
}

// TotalFree is the free PHA of every vault: what is not in stake pools.
func (k Keeper) TotalFree(kv state.KV) pha.Amount {
	total := pha.Amount{}
	k.IterateVaults(kv, func(v Vault) bool {
		total, _ = total.Add(k.Free(kv, &v))
		return true
	})
	return total
}

// blockValues values vaults at the end of a block. Settling a vault values
// it several times (its commission, each payment of its queue, the pools
// it keeps, a forced exit), and decoding the pool records and the vault's
// pool shares each time was most of the chain's end-of-block CPU: here
// each pool record is decoded once a block and each vault's positions once.
// Nothing the end of block does changes them but a forced exit's
// withdrawal from the pools, after which forget drops what was read. The
// map is only looked up, never ranged over.
type blockValues struct {
	k     Keeper
	kv    state.KV
	pools map[uint64]poolRecord
	// vault is the vault whose positions pos holds, when held.
	vault uint64
	held  bool
	pos   []Position
}

// poolRecord is a pool record as read, with whether there is one.
type poolRecord struct {
	p  stakepool.Pool
	ok bool
}

func newBlockValues(k Keeper, kv state.KV) *blockValues {
	return &blockValues{k: k, kv: kv, pools: map[uint64]poolRecord{}}
}

func (b *blockValues) pool(id uint64) (stakepool.Pool, bool) {
	r, seen := b.pools[id]
	if !seen {
		r.p, r.ok = b.k.pools.Pool(b.kv, id)
		b.pools[id] = r
	}
	return r.p, r.ok
}

// positions is Keeper.Positions of v, read once until forget.
func (b *blockValues) positions(v *Vault) []Position {
	if !b.held || b.vault != v.ID {
		b.pos, b.vault, b.held = b.k.positions(b.kv, v, b.pool), v.ID, true
	}
	return b.pos
}

// value is Keeper.Value of v: its free PHA read now (payments change it),
// its positions as held.
func (b *blockValues) value(v *Vault) pha.Amount {
	return withStaked(b.k.Free(b.kv, v), b.positions(v))
}

// forget drops what was read, after the pools changed.
func (b *blockValues) forget() {
	clear(b.pools)
	b.held = false
}
