package stakepool

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes stake pool state.
type Keeper struct{}

// Params returns the stake pool params.
func (Keeper) Params(kv state.KV) Params {
	var p Params
	state.DecodeJSON(kv.Get(keyParams), &p, "stakepool params")
	return p
}

// SetParams stores the params.
func (Keeper) SetParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// nextID returns the next pool id (ids start at 1) and uses it.
func (Keeper) nextID(kv state.KV) uint64 {
	id := uint64(1)
	if raw := kv.Get(keyNextID); len(raw) == 8 {
		id = binary.BigEndian.Uint64(raw)
	}
	kv.Set(keyNextID, state.Uint64(id+1))
	return id
}

// Pool returns a pool record.
func (Keeper) Pool(kv state.KV, id uint64) (Pool, bool) {
	raw := kv.Get(PoolKey(id))
	if raw == nil {
		return Pool{}, false
	}
	var p Pool
	state.DecodeJSON(raw, &p, "stakepool pool")
	return p, true
}

func (Keeper) setPool(kv state.KV, p *Pool) { kv.Set(PoolKey(p.ID), state.EncodeJSON(p)) }

// IteratePools calls fn for each pool in id order.
func (Keeper) IteratePools(kv state.KV, fn func(Pool) bool) {
	kv.Iterate(prefixPool, func(_, v []byte) bool {
		var p Pool
		state.DecodeJSON(v, &p, "stakepool pool")
		return fn(p)
	})
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
func (Keeper) Shares(kv state.KV, pool uint64, a address.Address) pha.Amount {
	raw := kv.Get(SharesKey(pool, a))
	if raw == nil {
		return pha.Amount{}
	}
	s, err := pha.FromBytes(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("stakepool shares: %w", err)})
	}
	return s
}

func (Keeper) setShares(kv state.KV, pool uint64, a address.Address, s pha.Amount) {
	if s.IsZero() {
		kv.Delete(SharesKey(pool, a))
		return
	}
	kv.Set(SharesKey(pool, a), s.Bytes())
}

// IterateShares calls fn for every holder of a pool, in address order.
func (Keeper) IterateShares(kv state.KV, pool uint64, fn func(address.Address, pha.Amount) bool) {
	prefix := state.Key(prefixShares, state.Uint64(pool))
	kv.Iterate(prefix, func(k, v []byte) bool {
		s, _ := pha.FromBytes(v)
		return fn(address.Address(k[len(prefix):]), s)
	})
}

// Withdrawal returns a queued withdrawal.
func (Keeper) Withdrawal(kv state.KV, pool, seq uint64) (Withdrawal, bool) {
	raw := kv.Get(QueueKey(pool, seq))
	if raw == nil {
		return Withdrawal{}, false
	}
	var w Withdrawal
	state.DecodeJSON(raw, &w, "stakepool withdrawal")
	return w, true
}

// Queued returns an account's queued withdrawal in a pool.
func (k Keeper) Queued(kv state.KV, pool uint64, a address.Address) (Withdrawal, bool) {
	raw := kv.Get(QueuedKey(pool, a))
	if len(raw) != 8 {
		return Withdrawal{}, false
	}
	return k.Withdrawal(kv, pool, binary.BigEndian.Uint64(raw))
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
