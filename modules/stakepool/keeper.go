package stakepool

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes stake pool state.
type Keeper struct{}

// Params returns the stake pool params.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, Params{}, "stakepool params")
}

// SetParams stores the params.
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Pool returns a pool record.
func (Keeper) Pool(kv state.KV, id uint64) (Pool, bool) {
	return module.GetJSON[Pool](kv, PoolKey(id), "stakepool pool")
}

func (Keeper) setPool(kv state.KV, p *Pool) { kv.Set(PoolKey(p.ID), state.EncodeJSON(p)) }

// IteratePools calls fn for each pool in id order.
func (Keeper) IteratePools(kv state.KV, fn func(Pool) bool) {
	module.EachJSON(kv, prefixPool, "stakepool pool", fn)
}

// PoolOf returns the pool a worker is in.
func (Keeper) PoolOf(kv state.KV, w registry.WorkerID) (uint64, bool) {
	raw := kv.Get(WorkerPoolKey(w))
	if len(raw) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(raw), true
}

// Members lists a pool's workers in id order.
func (Keeper) Members(kv state.KV, pool uint64) []registry.WorkerID {
	var out []registry.WorkerID
	prefix := MemberPrefix(pool)
	kv.Iterate(prefix, func(k, _ []byte) bool {
		out = append(out, registry.WorkerID(k[len(prefix):]))
		return true
	})
	return out
}

// Shares returns the shares an account holds in a pool, queued ones
// excluded.
func (k Keeper) Shares(kv state.KV, pool uint64, a address.Address) pha.Amount {
	return shareLedger.Shares(kv, pool, a)
}

func (k Keeper) setShares(kv state.KV, pool uint64, a address.Address, s pha.Amount) {
	shareLedger.SetShares(kv, pool, a, s)
}

// IterateShares calls fn for every holder of a pool, in address order.
func (k Keeper) IterateShares(kv state.KV, pool uint64, fn func(address.Address, pha.Amount) bool) {
	shareLedger.IterateShares(kv, pool, fn)
}

// addMember binds worker w to pool.
func (Keeper) addMember(kv state.KV, pool uint64, w registry.WorkerID) {
	kv.Set(MemberKey(pool, w), []byte{1})
	kv.Set(WorkerPoolKey(w), state.Uint64(pool))
}

// removeMember unbinds worker w from pool.
func (Keeper) removeMember(kv state.KV, pool uint64, w registry.WorkerID) {
	kv.Delete(MemberKey(pool, w))
	kv.Delete(WorkerPoolKey(w))
}

// Withdrawal returns a queued withdrawal.
func (k Keeper) Withdrawal(kv state.KV, pool, seq uint64) (Withdrawal, bool) {
	return shareLedger.Withdrawal(kv, pool, seq)
}

// Queued returns an account's queued withdrawal in a pool.
func (k Keeper) Queued(kv state.KV, pool uint64, a address.Address) (Withdrawal, bool) {
	return shareLedger.Queued(kv, pool, a)
}

// Queue lists a pool's waiting withdrawals in order.
func (k Keeper) Queue(kv state.KV, p *Pool) []Withdrawal {
	out := []Withdrawal{}
	for seq := p.QueueHead; seq < p.QueueTail; seq++ {
		if w, ok := k.Withdrawal(kv, p.ID, seq); ok {
			out = append(out, w)
		}
	}
	return out
}

// StakeValue is what every pool share held by a is worth now (rounded
// down per pool), queued shares excluded: its voting weight from stake
// pools. Pools are visited in id order.
func (k Keeper) StakeValue(kv state.KV, a address.Address) pha.Amount {
	var total pha.Amount
	k.IteratePools(kv, func(p Pool) bool {
		if s := k.Shares(kv, p.ID, a); !s.IsZero() {
			total, _ = total.Add(p.ValueOf(s)) // parts of the supply: no overflow
		}
		return true
	})
	return total
}

// TotalStakeValue is the value of every pool (free plus locked stake).
func (k Keeper) TotalStakeValue(kv state.KV) pha.Amount {
	var total pha.Amount
	k.IteratePools(kv, func(p Pool) bool {
		total, _ = total.Add(p.Value())
		return true
	})
	return total
}
