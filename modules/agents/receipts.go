package agents

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// TopicReceipts (worker origin): a batch of usage receipts of calls the
// worker's enclave served.
const TopicReceipts = "agents/receipts"

// MaxReceipts bounds one batch.
const MaxReceipts = 256

// Receipt is one served call as the enclave saw it.
type Receipt struct {
	// Agent is the agent called; zero for a direct AI-router call.
	Agent  [32]byte
	Caller address.Address
	// Request is the hash of the authenticated request: the receipt's id,
	// settled at most once.
	Request  [32]byte
	Tokens   uint64
	Requests uint64
}

// EncodeReceipts writes a batch.
func EncodeReceipts(rs []Receipt) []byte {
	w := wire.NewWriter(8 + len(rs)*100)
	w.Uvarint(uint64(len(rs)))
	for _, r := range rs {
		w.Raw(r.Agent[:])
		w.Address(r.Caller)
		w.Raw(r.Request[:])
		w.Uvarint(r.Tokens)
		w.Uvarint(r.Requests)
	}
	return w.Bytes()
}

// DecodeReceipts reads a batch.
func DecodeReceipts(b []byte) ([]Receipt, error) {
	r := wire.NewReader(b)
	n := r.Uvarint()
	if r.Err() == nil && (n == 0 || n > MaxReceipts) {
		r.Fail("%d receipts, want 1 to %d", n, MaxReceipts)
	}
	var out []Receipt
	for i := uint64(0); r.Err() == nil && i < n; i++ {
		var rc Receipt
		copy(rc.Agent[:], r.Raw(32))
		rc.Caller = r.Address()
		copy(rc.Request[:], r.Raw(32))
		rc.Tokens = r.Uvarint()
		rc.Requests = r.Uvarint()
		out = append(out, rc)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	return out, nil
}

// HandleMQ settles receipt batches. Each receipt is paid from the caller's
// escrow: the agent's price to its owner, then the network part (per call,
// per 1,000 tokens, per outbound request) split between the treasury and
// the serving worker's stake pool (as
// a pool reward) or, for a worker in no pool, its operator. A receipt seen before is skipped; a batch
// of only such is refused. What the escrow cannot cover is not paid and is
// reported as underpaid.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Topic == TopicSecrets {
		return m.handleReseal(ctx, msg)
	}
	if msg.Topic != TopicReceipts {
		return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
	}
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post receipts", ErrNotWorker, msg.Origin.Kind)
	}
	w, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(msg.Origin.ID))
	if !ok {
		return fmt.Errorf("%w: %x", ErrNotWorker, msg.Origin.ID)
	}
	rs, err := DecodeReceipts(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	p := m.Params(ctx.KV)
	settled, skipped, underpaid := 0, 0, 0
	for _, rc := range rs {
		seen := join(prefixReceipt, rc.Request[:])
		if ctx.KV.Get(seen) != nil {
			skipped++
			continue
		}
		ctx.KV.Set(seen, []byte{1})
		short, err := m.settle(ctx, p, w, rc)
		if err != nil {
			return fmt.Errorf("receipt %x: %w", rc.Request[:8], err)
		}
		if short {
			underpaid++
		}
		settled++
	}
	if settled == 0 {
		return fmt.Errorf("%w: every receipt of the batch was settled before", ErrBadReceipt)
	}
	ctx.Emit(EventSettled, module.Indexed(AttrWorker, hex.EncodeToString(msg.Origin.ID[:])), module.Attr(AttrSettled, strconv.Itoa(settled)),
		module.Attr(AttrSkipped, strconv.Itoa(skipped)), module.Attr(AttrUnderpay, strconv.Itoa(underpaid)))
	return nil
}

// settle pays one receipt and reports whether the escrow fell short.
func (m *Module) settle(ctx *module.Context, p Params, w registry.Worker, rc Receipt) (bool, error) {
	escrow := m.Escrow(ctx.KV, rc.Caller)
	take := func(want pha.Amount) pha.Amount {
		if escrow.LT(want) {
			want = escrow
		}
		escrow, _ = escrow.Sub(want)
		return want
	}
	var price pha.Amount
	var agent *Agent
	if rc.Agent != ([32]byte{}) {
		a, ok := m.Agent(ctx.KV, rc.Agent)
		if !ok {
			return false, fmt.Errorf("%w: unknown agent %x", ErrBadReceipt, rc.Agent)
		}
		agent, price = &a, a.Price
	}
	network, err := networkFee(p, rc)
	if err != nil {
		return false, err
	}
	toOwner := take(price)
	toNetwork := take(network)
	short := toOwner != price || toNetwork != network
	m.setEscrow(ctx.KV, rc.Caller, escrow)
	if agent != nil {
		if err := m.bank.Transfer(ctx.KV, EscrowAccount, agent.Owner, toOwner); err != nil {
			return false, err
		}
		agent.Calls++
		if agent.Fees, err = agent.Fees.Add(toOwner); err != nil {
			return false, err
		}
		m.setAgent(ctx.KV, *agent)
	}
	toTreasury, err := toNetwork.MulDiv(pha.Units(p.TreasuryBps), pha.Units(10_000))
	if err != nil {
		return false, err
	}
	toWorker, _ := toNetwork.Sub(toTreasury)
	if err := m.bank.Transfer(ctx.KV, EscrowAccount, balances.Treasury, toTreasury); err != nil {
		return false, err
	}
	if m.pools != nil {
		if pool, ok := m.pools.WorkerPool(ctx.KV, w.ID); ok {
			return short, m.pools.PayReward(ctx, EscrowAccount, pool, toWorker)
		}
	}
	return short, m.bank.Transfer(ctx.KV, EscrowAccount, w.Operator, toWorker)
}

// networkFee is CallFee + TokenFee per 1,000 tokens + RequestFee per
// outbound request.
func networkFee(p Params, rc Receipt) (pha.Amount, error) {
	tokens, err := p.TokenFee.MulDiv(pha.Units(rc.Tokens), pha.Units(1000))
	if err != nil {
		return pha.Amount{}, err
	}
	reqs, err := p.RequestFee.MulDiv(pha.Units(rc.Requests), pha.Units(1))
	if err != nil {
		return pha.Amount{}, err
	}
	sum, err := p.CallFee.Add(tokens)
	if err != nil {
		return pha.Amount{}, err
	}
	return sum.Add(reqs)
}
