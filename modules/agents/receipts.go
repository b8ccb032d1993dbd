package agents

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
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
	// Issued is when the call was made, in Unix milliseconds: the signed
	// request's timestamp, or the worker's clock for an API-key call (whose
	// id is random, so it cannot be replayed). The chain keeps a receipt's
	// id only while Issued is inside the receipt window, and refuses a
	// receipt outside it, so the ids it must remember stay bounded.
	Issued int64
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
		w.Uvarint(uint64(r.Issued))
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
		issued := r.Uvarint()
		if issued > math.MaxInt64 {
			r.Fail("receipt %d issued at %d ms", i, issued)
		}
		rc.Issued = int64(issued)
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
// a pool reward) or, for a worker in no pool, its operator. A receipt seen
// before, or issued outside the receipt window around the block time, is
// skipped and counted in the event. Skipping is not an error: a worker that
// crashed after posting receipts posts them again from its journal, and
// refusing the batch would cost it the mq slot of everything after it.
// What the escrow cannot cover is not paid and is reported as underpaid.
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
	now, window := ctx.Time.UnixMilli(), p.receiptWindowMillis()
	settled, skipped, expired, underpaid := 0, 0, 0, 0
	for _, rc := range rs {
		if rc.Issued < now-window || rc.Issued > now+window {
			expired++
			continue
		}
		seen := state.Key(prefixReceipt, rc.Request[:])
		if ctx.KV.Get(seen) != nil {
			skipped++
			continue
		}
		m.remember(ctx.KV, rc.Request, max(rc.Issued, now)+window)
		short, err := m.settle(ctx, p, w, rc)
		if err != nil {
			return fmt.Errorf("receipt %x: %w", rc.Request[:8], err)
		}
		if short {
			underpaid++
		}
		settled++
	}
	ctx.Emit(EventSettled, module.Indexed(AttrWorker, hex.EncodeToString(msg.Origin.ID[:])), module.Attr(AttrSettled, strconv.Itoa(settled)),
		module.Attr(AttrSkipped, strconv.Itoa(skipped)), module.Attr(AttrExpired, strconv.Itoa(expired)), module.Attr(AttrUnderpay, strconv.Itoa(underpaid)))
	return nil
}

// remember keeps a settled receipt's id until expiry (Unix ms), in the
// id's record and in an index ordered by expiry that EndBlock prunes from.
// Past expiry a receipt with that id is outside the window anyway: its
// Issued is at most expiry - window.
func (*Module) remember(kv state.KV, id [32]byte, expiry int64) {
	at := state.Uint64(uint64(expiry))
	kv.Set(state.Key(prefixReceipt, id[:]), at)
	kv.Set(state.Key(prefixReceiptExpiry, at, id[:]), []byte{1})
}

// MaxPrunedReceipts bounds the receipt ids one EndBlock forgets, so a
// burst of expiries spreads over several blocks.
const MaxPrunedReceipts = 4096

// pruneReceipts forgets the ids of receipts whose window has passed.
func (*Module) pruneReceipts(ctx *module.Context) {
	now := ctx.Time.UnixMilli()
	var done [][]byte
	ctx.KV.Iterate(prefixReceiptExpiry, func(k, _ []byte) bool {
		at := k[len(prefixReceiptExpiry):]
		if len(at) != 8+32 || int64(binary.BigEndian.Uint64(at[:8])) > now || len(done) == MaxPrunedReceipts {
			return false
		}
		done = append(done, append([]byte(nil), k...))
		return true
	})
	for _, k := range done {
		ctx.KV.Delete(k)
		ctx.KV.Delete(state.Key(prefixReceipt, k[len(prefixReceiptExpiry)+8:]))
	}
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
