package stakepool

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// The grace period. A withdrawal still waiting at the end of block
// requested_height + grace_blocks stops every computing worker of its pool,
// as Phala does: their stake comes back after the cool-down and, with all
// of the pool's value then free, pays the queue. So no request waits more
// than grace_blocks + cooldown_blocks.

// enforceGrace walks the deadlines due at or before this height.
func (m *Module) enforceGrace(ctx *module.Context) error {
	type due struct {
		key       []byte
		pool, seq uint64
	}
	var dues []due
	ctx.KV.Iterate(prefixDeadline, func(k, _ []byte) bool {
		rest := k[len(prefixDeadline):]
		if len(rest) != 24 {
			panic(fmt.Sprintf("stakepool: deadline key %x", k))
		}
		if int64(binary.BigEndian.Uint64(rest[:8])) > ctx.Height {
			return false
		}
		dues = append(dues, due{key: append([]byte(nil), k...), pool: binary.BigEndian.Uint64(rest[8:16]), seq: binary.BigEndian.Uint64(rest[16:])})
		return true
	})
	for _, d := range dues {
		ctx.KV.Delete(d.key)
		if _, waiting := m.Keeper.Withdrawal(ctx.KV, d.pool, d.seq); !waiting {
			continue
		}
		n, err := m.stopAll(ctx, d.pool)
		if err != nil {
			return fmt.Errorf("pool %d: withdrawal %d is overdue: %w", d.pool, d.seq, err)
		}
		if ctx.Recording() {
			ctx.Emit(EventForcedStop, module.Indexed(AttrPool, strconv.FormatUint(d.pool, 10)), module.Attr(AttrSeq, strconv.FormatUint(d.seq, 10)),
				module.Attr(AttrStopped, strconv.Itoa(n)))
		}
	}
	return nil
}

// stopAll stops every computing worker of a pool, in worker id order, and
// says how many it stopped.
func (m *Module) stopAll(ctx *module.Context, pool uint64) (int, error) {
	var computing []registry.WorkerID
	for _, w := range m.Keeper.Members(ctx.KV, pool) {
		if s, ok := m.computation.Keeper.Session(ctx.KV, w); ok && s.State == computation.StateComputing {
			computing = append(computing, w)
		}
	}
	for _, w := range computing {
		if _, err := m.computation.Stop(ctx, w); err != nil {
			return 0, err
		}
	}
	return len(computing), nil
}
