package contracts

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// FeeAccount holds command fees until the replicas that earned them are
// known.
var FeeAccount = address.Module("contract_fees")

// EventFees: command fees paid out (contract, input, amount).
const EventFees = "contract_fees"

// Pools are the stake pools that receive the replicas' share of command
// fees (the stakepool module).
type Pools interface {
	WorkerPool(kv state.KV, w registry.WorkerID) (uint64, bool)
	PayReward(ctx *module.Context, from address.Address, pool uint64, amount pha.Amount) error
}

// SetFeeRecipients installs where replicas' fees go: a worker's stake pool,
// or its operator (from the registry) when it is in none.
func (m *Module) SetFeeRecipients(pools Pools, reg *registry.Module) {
	m.pools, m.registry = pools, reg
}

func feeKey(id [32]byte, input uint64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixFee, id[:]), input)
}

// holdFee takes a command's fee from its sender and keeps it for input.
func (m *Module) holdFee(ctx *module.Context, sender address.Address, id [32]byte, input uint64, fee pha.Amount) error {
	if fee.IsZero() {
		return nil
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, FeeAccount, fee); err != nil {
		return fmt.Errorf("command fee: %w", err)
	}
	ctx.KV.Set(feeKey(id, input), fee.Bytes())
	return nil
}

// payFees pays the fees held for inputs up to and including input to the
// replicas that agreed on the state after it, in input order: the
// treasury's share first, the rest split equally among them (the dust to
// the treasury).
func (m *Module) payFees(ctx *module.Context, id [32]byte, input uint64, workers []Hex) error {
	if len(workers) == 0 {
		return nil
	}
	p := m.Params(ctx.KV)
	type held struct {
		key   []byte
		input uint64
		fee   pha.Amount
	}
	var due []held
	prefix := state.Key(prefixFee, id[:])
	ctx.KV.Iterate(prefix, func(k, v []byte) bool {
		n := binary.BigEndian.Uint64(k[len(prefix):])
		if n > input {
			return false
		}
		fee, err := pha.FromBytes(v)
		if err != nil {
			panic(&state.StorageError{Err: fmt.Errorf("contract fee %x: %w", k, err)})
		}
		due = append(due, held{key: append([]byte(nil), k...), input: n, fee: fee})
		return true
	})
	bank := balances.Keeper{}
	for _, d := range due {
		toTreasury, err := d.fee.MulDiv(pha.Units(p.FeeTreasuryBps), pha.Units(10_000))
		if err != nil {
			return err
		}
		rest, _ := d.fee.Sub(toTreasury)
		each, _ := rest.MulDiv(pha.Units(1), pha.Units(uint64(len(workers))))
		for _, w := range workers {
			if err := m.payReplica(ctx, registry.WorkerID(w), each); err != nil {
				return err
			}
			rest, _ = rest.Sub(each)
		}
		dust, _ := toTreasury.Add(rest)
		if err := bank.Transfer(ctx.KV, FeeAccount, balances.Treasury, dust); err != nil {
			return err
		}
		ctx.KV.Delete(d.key)
		if ctx.Recording() {
			ctx.Emit(EventFees, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Attr(AttrInput, fmt.Sprint(d.input)),
				module.Attr("amount", d.fee.String()))
		}
	}
	return nil
}

// payReplica pays a replica's share to its stake pool, or to its operator
// when it is in none (or no pools are wired).
func (m *Module) payReplica(ctx *module.Context, w registry.WorkerID, amount pha.Amount) error {
	if amount.IsZero() {
		return nil
	}
	if m.pools != nil {
		if pool, ok := m.pools.WorkerPool(ctx.KV, w); ok {
			return m.pools.PayReward(ctx, FeeAccount, pool, amount)
		}
	}
	to := balances.Treasury
	if m.registry != nil {
		if rec, ok := m.registry.Keeper.Worker(ctx.KV, w); ok {
			to = rec.Operator
		}
	}
	return (balances.Keeper{}).Transfer(ctx.KV, FeeAccount, to, amount)
}
