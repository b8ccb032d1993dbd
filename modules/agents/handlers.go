package agents

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

func (m *Module) handleDeploy(ctx *module.Context, sender address.Address, msg *MsgDeploy) error {
	if err := m.checkPolicy(ctx.KV, msg.Policy); err != nil {
		return err
	}
	c, err := m.contracts.CreateKeyed(ctx, sender, msg.Code, msg.Cluster, contracts.KindAgent)
	if err != nil {
		return err
	}
	a := Agent{ID: c.ID, Owner: sender, Policy: msg.Policy, Price: msg.Price, Created: ctx.Height}
	m.setAgent(ctx.KV, a)
	m.list(ctx.KV, [32]byte(c.ID))
	emitDeployed(ctx, c.ID, sender)
	return nil
}

func (m *Module) handleDeposit(ctx *module.Context, sender address.Address, msg *MsgDeposit) error {
	cur := m.Escrow(ctx.KV, sender)
	if msg.Withdraw {
		rest, err := cur.Sub(msg.Amount)
		if err != nil {
			return fmt.Errorf("%w: escrow holds %s, asked %s", ErrEscrow, cur.PHA(), msg.Amount.PHA())
		}
		// Held funds stay until the calls they were set aside for settle
		// or their holds end.
		if held := m.Held(ctx.KV, sender); rest.LT(held) {
			return fmt.Errorf("%w: %s of the escrow's %s is held for calls being served; %s can be withdrawn now, the rest once their receipts settle or the holds end", ErrHeld, held.PHA(), cur.PHA(), m.Free(ctx.KV, sender).PHA())
		}
		if err := m.bank.Transfer(ctx.KV, EscrowAccount, sender, msg.Amount); err != nil {
			return err
		}
		m.setEscrow(ctx.KV, sender, rest)
	} else {
		if err := m.bank.Transfer(ctx.KV, sender, EscrowAccount, msg.Amount); err != nil {
			return err
		}
		sum, err := cur.Add(msg.Amount)
		if err != nil {
			return err
		}
		m.setEscrow(ctx.KV, sender, sum)
	}
	emitEscrow(ctx, sender, msg.Type(), msg.Amount)
	return nil
}

func (m *Module) handleRegisterKey(ctx *module.Context, sender address.Address, msg *MsgRegisterKey) error {
	if _, ok := m.APIKey(ctx.KV, msg.Hash); ok {
		return ErrAPIKeyExists
	}
	k := APIKey{Hash: msg.Hash[:], Account: sender, Expires: msg.Expires}
	if msg.Agent != ([32]byte{}) {
		if _, ok := m.Agent(ctx.KV, msg.Agent); !ok {
			return fmt.Errorf("%w: %x", ErrUnknownAgent, msg.Agent)
		}
		k.Agent = msg.Agent[:]
	}
	m.setAPIKey(ctx.KV, k)
	emitAPIKey(ctx, sender, actionRegister)
	return nil
}

func (m *Module) handleRevokeKey(ctx *module.Context, sender address.Address, msg *MsgRevokeKey) error {
	k, ok := m.APIKey(ctx.KV, msg.Hash)
	if !ok || k.Account != sender {
		return fmt.Errorf("%w: %x", ErrUnknownAPIKey, msg.Hash)
	}
	m.deleteAPIKey(ctx.KV, msg.Hash)
	emitAPIKey(ctx, sender, actionRevoke)
	return nil
}

// ownerOp runs one of the owner's operations on an agent: apply changes
// the record (and may fail), which is then saved.
func (m *Module) ownerOp(ctx *module.Context, sender address.Address, id [32]byte, action string, apply func(a *Agent) error) error {
	a, ok := m.Agent(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownAgent, id)
	}
	if a.Owner != sender {
		return fmt.Errorf("%w: %x", ErrNotOwner, id)
	}
	if err := apply(&a); err != nil {
		return err
	}
	m.setAgent(ctx.KV, a)
	emitUpdated(ctx, id, action)
	return nil
}

func (m *Module) handleUpgrade(ctx *module.Context, sender address.Address, msg *MsgUpgrade) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(*Agent) error { return m.contracts.SetCode(ctx, msg.Agent, msg.Code) })
}

func (m *Module) handleSetPaused(ctx *module.Context, sender address.Address, msg *MsgSetPaused) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(a *Agent) error { a.Paused = msg.Paused; return nil })
}

func (m *Module) handleSetPolicy(ctx *module.Context, sender address.Address, msg *MsgSetPolicy) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(a *Agent) error {
		if err := m.checkPolicy(ctx.KV, msg.Policy); err != nil {
			return err
		}
		a.Policy = msg.Policy
		return nil
	})
}

func (m *Module) handleSetPrice(ctx *module.Context, sender address.Address, msg *MsgSetPrice) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(a *Agent) error { a.Price = msg.Price; return nil })
}

func (m *Module) handleTransfer(ctx *module.Context, sender address.Address, msg *MsgTransfer) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(a *Agent) error {
		a.Owner = msg.NewOwner
		return m.contracts.SetOwner(ctx, msg.Agent, msg.NewOwner)
	})
}

func (m *Module) handleSetSecrets(ctx *module.Context, sender address.Address, msg *MsgSetSecrets) error {
	return m.ownerOp(ctx, sender, msg.Agent, msg.Type(), func(a *Agent) error {
		if cur := sha256.Sum256(a.Secrets); len(msg.Base) != 0 && !bytes.Equal(msg.Base, cur[:]) {
			return fmt.Errorf("%w: merged from secrets %.8x…, the agent's are %.8x…", ErrStaleSecrets, msg.Base, cur[:])
		}
		if err := m.checkSecrets(ctx, msg.Agent, msg.Envelope); err != nil {
			return err
		}
		c, _ := m.contracts.Contract(ctx.KV, msg.Agent)
		a.Secrets, a.SecretsEpoch = append(Hex(nil), msg.Envelope...), c.KeyEpoch
		return nil
	})
}

func (m *Module) checkPolicy(kv state.KV, p Policy) error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.Kind == PolicyContract {
		c, ok := m.contracts.Contract(kv, [32]byte(p.Contract))
		if !ok || c.Kind == contracts.KindAgent {
			return fmt.Errorf("%w: %x is not a contract", ErrBadPolicy, []byte(p.Contract))
		}
	}
	return nil
}

// checkSecrets requires an envelope sealed to the agent's current key: the
// recipient is in the clear, so the chain can refuse one no enclave opens.
func (m *Module) checkSecrets(ctx *module.Context, id [32]byte, raw []byte) error {
	if limit := m.Params(ctx.KV).MaxSecrets; len(raw) > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrSecretsTooBig, len(raw), limit)
	}
	env, err := envelope.Decode(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSecrets, err)
	}
	c, _ := m.contracts.Contract(ctx.KV, id)
	if len(c.ECDHKey) == 0 {
		return ErrNoKeys
	}
	if env.Purpose != envelope.PurposeAgentSecret || string(env.Recipient[:]) != string(c.ECDHKey) {
		return fmt.Errorf("%w: purpose %q, recipient %x", ErrBadSecrets, env.Purpose, env.Recipient[:8])
	}
	return nil
}

// endBlock forgets the receipt ids whose window has passed and ends the
// holds that expire.
func (m *Module) endBlock(ctx *module.Context) error {
	if err := m.pruneReceipts(ctx.KV, ctx.Time.UnixMilli()); err != nil {
		return err
	}
	return m.releaseHolds(ctx.KV, ctx.Height)
}

// handleMQ dispatches the topics workers post.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return mq.Topics{
		TopicSecrets:  m.handleReseal,
		TopicReceipts: m.handleReceipts,
		TopicHold:     m.handleHold,
	}.Dispatch(ctx, msg)
}

// handleReceipts settles a receipt batch. Each receipt is paid from the
// caller's escrow, first from the serving worker's hold on it, then from
// the escrow no hold sets aside: the agent's price to its owner, then the
// network part (per call, per 1,000 tokens, per outbound request) split
// between the treasury and the serving worker's stake pool (as a pool
// reward) or, for a worker in no pool, its operator. A receipt seen
// before, or issued outside the receipt window around the block time, is
// skipped and counted in the event: a worker that crashed after posting
// receipts posts them again from its journal, and refusing the batch
// would cost it the mq slot of everything after it. A receipt that no
// honest worker posts (from outside the agent's cluster, over the bounds,
// not backed by the caller's request) refuses the whole batch with its
// own code, leaving every escrow as it was. What the escrow cannot cover
// is not paid and is reported as underpaid.
func (m *Module) handleReceipts(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post receipts", ErrNotWorker, msg.Origin.Kind)
	}
	// A simulation settles nothing: CheckTx (and its rechecks) and the
	// proposal checks run the same batch again before the block does, and
	// nothing they decide depends on settling. mq uses a worker's sequence
	// slot whatever this handler answers (a refusal is an event, not a
	// failed transaction), so CheckTx admits the same batches; a proposal
	// keeps a transaction by its fee alone, and settling only pays
	// accounts, never debits one, so a scratch state without it can leave
	// out at most a transaction whose fee this block's receipts would have
	// paid (it goes in the next block), never take one that cannot pay.
	// The block checks every receipt itself, the caller's signature
	// included.
	if ctx.Simulating {
		return nil
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
	var s settlement
	b := newBooks(m, ctx.KV, msg.Origin.ID)
	// Membership is the same for every receipt of one agent and epoch in
	// a batch.
	members := map[memberKey]error{}
	for i, rc := range rs {
		if err := m.checkReceipt(ctx, p, msg.Origin.ID, rc, members); err != nil {
			return fmt.Errorf("receipt %d (%x): %w", i, rc.Request[:8], err)
		}
		if rc.Issued < now-window || rc.Issued > now+window {
			s.expired++
			continue
		}
		if m.settledBefore(ctx.KV, rc.Request) {
			s.skipped++
			continue
		}
		m.remember(ctx.KV, rc.Request, max(rc.Issued, now)+window)
		short, err := m.settle(ctx, p, w, b, rc)
		if err != nil {
			return fmt.Errorf("receipt %x: %w", rc.Request[:8], err)
		}
		if short {
			s.underpaid++
		}
		s.settled++
	}
	b.write()
	emitSettled(ctx, msg.Origin.ID, s)
	return nil
}

// settle pays one receipt from the batch's books and reports whether the
// escrow fell short. It takes from the serving worker's hold first, then
// from the escrow no hold sets aside, never from another worker's hold.
func (m *Module) settle(ctx *module.Context, p Params, w registry.Worker, b *books, rc Receipt) (bool, error) {
	c := b.caller(rc.Caller)
	fromHold := c.hold.Remaining()
	payable, _ := c.free().Add(fromHold)
	var price pha.Amount
	var agent *Agent
	if rc.Agent != ([32]byte{}) {
		a, ok := b.agent(rc.Agent)
		if !ok {
			return false, fmt.Errorf("%w: unknown agent %x", ErrBadReceipt, rc.Agent)
		}
		agent, price = a, a.Price
	}
	network, err := networkFee(p, rc)
	if err != nil {
		return false, err
	}
	take := func(want pha.Amount) pha.Amount {
		want = minAmount(want, payable)
		payable, _ = payable.Sub(want)
		return want
	}
	toOwner := take(price)
	toNetwork := take(network)
	short := toOwner != price || toNetwork != network
	paid, _ := toOwner.Add(toNetwork)
	c.escrow, _ = c.escrow.Sub(paid)
	if c.holding {
		// Moved from held to settled.
		amount := minAmount(paid, fromHold)
		c.hold.Settled, _ = c.hold.Settled.Add(amount)
		c.held, _ = c.held.Sub(amount)
	}
	if agent != nil {
		if err := m.payOwner(ctx, agent, toOwner); err != nil {
			return false, err
		}
	}
	return short, m.payNetwork(ctx, p, w, toNetwork)
}

// memberKey is what checkMember's answer depends on within a batch.
type memberKey struct {
	agent [32]byte
	epoch uint64
}

// checkReceipt refuses a receipt no honest worker posts: over the
// bounds, from a worker outside the agent's cluster (or, for a router
// call, outside every cluster), or not backed by the caller's request.
// members memoizes checkMember within one batch.
func (m *Module) checkReceipt(ctx *module.Context, p Params, worker [32]byte, rc Receipt, members map[memberKey]error) error {
	if rc.Tokens > p.MaxReceiptTokens || rc.Requests > p.MaxReceiptRequests {
		return fmt.Errorf("%w: %d tokens and %d outbound requests, at most %d and %d", ErrReceiptBounds, rc.Tokens, rc.Requests, p.MaxReceiptTokens, p.MaxReceiptRequests)
	}
	k := memberKey{rc.Agent, rc.Epoch}
	err, seen := members[k]
	if !seen {
		err = m.checkMember(ctx.KV, worker, rc)
		members[k] = err
	}
	if err != nil {
		return err
	}
	switch rc.Backing {
	case BackingSigned:
		return m.checkSigned(ctx, rc)
	case BackingAPIKey:
		return m.checkKeyBacking(ctx, rc)
	}
	return fmt.Errorf("%w: no backing", ErrNotBacked)
}

// checkMember: an agent's receipts come from a member of its cluster at
// an epoch the cluster has reached; router receipts from a member of any
// cluster.
func (m *Module) checkMember(kv state.KV, worker [32]byte, rc Receipt) error {
	if rc.Agent == ([32]byte{}) {
		for _, cl := range m.clusters.Keeper.Clusters(kv) {
			if cl.IsMember(worker) {
				return nil
			}
		}
		return fmt.Errorf("%w: worker %x is in no cluster", ErrNotMember, worker[:8])
	}
	c, ok := m.contracts.Contract(kv, rc.Agent)
	if !ok {
		return fmt.Errorf("%w: unknown agent %x", ErrBadReceipt, rc.Agent[:8])
	}
	cl, ok := m.clusters.Cluster(kv, [32]byte(c.Cluster))
	if !ok || !cl.IsMember(worker) {
		return fmt.Errorf("%w: worker %x is not a member of cluster %x of agent %x", ErrNotMember, worker[:8], []byte(c.Cluster)[:8], rc.Agent[:8])
	}
	if rc.Epoch > cl.Epoch {
		return fmt.Errorf("%w: epoch %d, the cluster is at %d", ErrNotMember, rc.Epoch, cl.Epoch)
	}
	return nil
}

// checkSigned: the caller's signature verifies for the root agent, the
// caller is the payer, the receipt's id is its hop of that request and
// its time the request's.
func (m *Module) checkSigned(ctx *module.Context, rc Receipt) error {
	s := rc.Signed
	if err := s.Check(ctx.ChainID, rc.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrNotBacked, err)
	}
	if s.Address() != rc.Caller {
		return fmt.Errorf("%w: signed by %s, billed to %s", ErrNotBacked, s.Address(), rc.Caller)
	}
	if rc.Request != HopID(s.ID(ctx.ChainID, rc.Root), rc.Hop) || rc.Issued != s.Timestamp {
		return fmt.Errorf("%w: id or time is not the signed request's hop %d", ErrNotBacked, rc.Hop)
	}
	if rc.Hop == 0 && rc.Agent != rc.Root {
		return fmt.Errorf("%w: the call itself bills agent %x, the request names %x", ErrNotBacked, rc.Agent[:8], rc.Root[:8])
	}
	return nil
}

// checkKeyBacking: the API key exists, is the payer's, has not expired
// and, when scoped, is scoped to the root agent.
func (m *Module) checkKeyBacking(ctx *module.Context, rc Receipt) error {
	k, ok := m.APIKey(ctx.KV, rc.APIKey)
	switch {
	case !ok:
		return fmt.Errorf("%w: key %x is not registered", ErrKeyBacking, rc.APIKey[:8])
	case k.Account != rc.Caller:
		return fmt.Errorf("%w: key of %s billed to %s", ErrKeyBacking, k.Account, rc.Caller)
	case k.Expires != 0 && ctx.Height >= k.Expires:
		return fmt.Errorf("%w: key expired at height %d", ErrKeyBacking, k.Expires)
	case len(k.Agent) != 0 && [32]byte(k.Agent) != rc.Root:
		return fmt.Errorf("%w: key is scoped to agent %x", ErrKeyBacking, []byte(k.Agent)[:8])
	}
	return nil
}

// handleHold answers a worker's request for a hold on a caller's escrow:
// it adds the least of what is asked and the escrow no hold sets aside,
// and extends the hold. Nothing left to grant is not an error: the worker
// reads the hold and sees its request answered (Nonce) with no more.
func (m *Module) handleHold(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot hold escrow", ErrNotWorker, msg.Origin.Kind)
	}
	if _, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(msg.Origin.ID)); !ok {
		return fmt.Errorf("%w: %x", ErrNotWorker, msg.Origin.ID)
	}
	// Only a worker that may serve calls (a member of a cluster) holds a
	// caller's escrow: no other could post a receipt against the hold.
	if err := m.checkMember(ctx.KV, msg.Origin.ID, Receipt{}); err != nil {
		return err
	}
	req, err := decodeHoldRequest(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadHold, err)
	}
	h, ok := m.Hold(ctx.KV, req.Caller, msg.Origin.ID)
	old := h.Expires
	if !ok {
		h = Hold{Caller: req.Caller, Worker: msg.Origin.ID[:], Start: ctx.Height}
	}
	grant := minAmount(req.Amount, m.Free(ctx.KV, req.Caller))
	h.Granted, _ = h.Granted.Add(grant)
	h.Nonce, h.Expires = req.Nonce, ctx.Height+m.Params(ctx.KV).HoldBlocks
	held, _ := m.Held(ctx.KV, req.Caller).Add(grant)
	m.setHeld(ctx.KV, req.Caller, held)
	m.setHold(ctx.KV, h, old)
	emitHold(ctx, req.Caller, msg.Origin.ID, grant, h)
	return nil
}

// payOwner pays an agent's owner its price from the escrow and counts the
// call in the agent's record, which the batch's books save.
func (m *Module) payOwner(ctx *module.Context, agent *Agent, amount pha.Amount) error {
	if err := m.bank.Transfer(ctx.KV, EscrowAccount, agent.Owner, amount); err != nil {
		return err
	}
	agent.Calls++
	fees, err := agent.Fees.Add(amount)
	if err != nil {
		return err
	}
	agent.Fees = fees
	return nil
}

// payNetwork splits the network part between the treasury and the serving
// worker's stake pool, or its operator when it is in none.
func (m *Module) payNetwork(ctx *module.Context, p Params, w registry.Worker, amount pha.Amount) error {
	toTreasury, err := amount.MulDiv(pha.Units(p.TreasuryBps), pha.Units(10_000))
	if err != nil {
		return err
	}
	toWorker, _ := amount.Sub(toTreasury)
	if err := m.bank.Transfer(ctx.KV, EscrowAccount, balances.Treasury, toTreasury); err != nil {
		return err
	}
	if m.pools != nil {
		if pool, ok := m.pools.WorkerPool(ctx.KV, w.ID); ok {
			return m.pools.PayReward(ctx, EscrowAccount, pool, toWorker)
		}
	}
	return m.bank.Transfer(ctx.KV, EscrowAccount, w.Operator, toWorker)
}

// networkFee is the network part of a receipt.
func networkFee(p Params, rc Receipt) (pha.Amount, error) {
	return p.NetworkFee(rc.Tokens, rc.Requests)
}

// handleReseal takes an agent's secrets sealed again, by a member of its
// cluster, to the agent's key of a new epoch.
func (m *Module) handleReseal(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot re-seal secrets", ErrNotWorker, msg.Origin.Kind)
	}
	p, err := decodeReseal(msg.Payload, m.Params(ctx.KV).MaxSecrets)
	if err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	id, epoch, env := p.agent, p.epoch, p.envelope
	a, ok := m.Agent(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownAgent, id)
	}
	c, _ := m.contracts.Contract(ctx.KV, id)
	cl, ok := m.clusters.Cluster(ctx.KV, [32]byte(c.Cluster))
	if !ok || !cl.IsMember(msg.Origin.ID) {
		return fmt.Errorf("%w: worker %x is not in the agent's cluster", ErrBadSecrets, msg.Origin.ID)
	}
	if epoch != c.KeyEpoch || a.SecretsEpoch >= epoch || len(a.Secrets) == 0 {
		return fmt.Errorf("%w: re-seal for epoch %d, agent key epoch %d, secrets at %d", ErrBadSecrets, epoch, c.KeyEpoch, a.SecretsEpoch)
	}
	if err := m.checkSecrets(ctx, id, env); err != nil {
		return err
	}
	a.Secrets, a.SecretsEpoch = env, epoch
	m.setAgent(ctx.KV, a)
	emitResealed(ctx, id, epoch)
	return nil
}

// SetPools installs the stake pools that receive the network part of usage
// fees of workers in a pool; without, it goes to the worker's operator.
func (m *Module) SetPools(p Pools) { m.pools = p }

// HandleMQ settles receipt batches and takes re-sealed secrets from
// workers.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}

func minAmount(a, b pha.Amount) pha.Amount {
	if a.LT(b) {
		return a
	}
	return b
}
