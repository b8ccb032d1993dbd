package contracts

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

func (m *Module) handleUpload(ctx *module.Context, sender address.Address, msg *MsgUpload) error {
	p := m.Params(ctx.KV)
	if len(msg.Code) > p.MaxCodeSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrCodeTooLarge, len(msg.Code), p.MaxCodeSize)
	}
	hash := sha256.Sum256(msg.Code)
	if _, ok := m.CodeInfo(ctx.KV, hash); !ok {
		m.storeCode(ctx.KV, hash, msg.Code, Code{Hash: hash[:], Size: len(msg.Code), Uploader: sender, Height: ctx.Height})
	}
	emitCodeStored(ctx, hash, sender)
	return nil
}

func (m *Module) handleInstantiate(ctx *module.Context, sender address.Address, msg *MsgInstantiate) error {
	p := m.Params(ctx.KV)
	if _, ok := m.CodeInfo(ctx.KV, msg.Code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, msg.Code)
	}
	cl, ok := m.clusters.Cluster(ctx.KV, msg.Cluster)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, msg.Cluster)
	}
	if len(msg.Args) > p.MaxInputSize {
		return fmt.Errorf("%w: constructor arguments of %d bytes, limit %d", ErrTooLarge, len(msg.Args), p.MaxInputSize)
	}
	args := msg.Args
	if len(args) == 0 {
		args = []byte("null")
	}
	if !json.Valid(args) {
		return ErrInvalidArgs
	}
	gas, err := gasFor(p, msg.Gas)
	if err != nil {
		return err
	}
	c := m.create(ctx, sender, msg.Code, cl, msg.Upgradable, KindContract)
	m.queueInput(ctx, &c, Input{Kind: InputInit, Sender: sender, Gas: gas, Body: args})
	return nil
}

// create makes a contract record in a cluster and lists it.
func (m *Module) create(ctx *module.Context, owner address.Address, code [32]byte, cl clusters.Cluster, upgradable bool, kind string) Contract {
	n := m.nextNumber(ctx.KV)
	id := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phala/contract/"+ctx.ChainID+"\x00"), n))
	c := Contract{
		ID: id[:], Kind: kind, Owner: owner, Cluster: cl.ID, Code: code[:], Upgradable: upgradable,
		Versions: []Version{{Code: code[:], FromInput: 0, Height: ctx.Height}},
		KeyEpoch: cl.Epoch, CreatedEpoch: cl.Epoch, Created: ctx.Height,
	}
	m.list(ctx.KV, id, [32]byte(cl.ID))
	m.setContract(ctx.KV, c)
	emitCreated(ctx, c)
	return c
}

// CreateKeyed makes a keyed instance of stored code in a cluster for
// another module (an AI agent): it gets an id, contract keys per cluster
// epoch and a code history, but no ordered input. It returns the record.
func (m *Module) CreateKeyed(ctx *module.Context, owner address.Address, code, cluster [32]byte, kind string) (Contract, error) {
	if _, ok := m.CodeInfo(ctx.KV, code); !ok {
		return Contract{}, fmt.Errorf("%w: %x", ErrUnknownCode, code)
	}
	cl, ok := m.clusters.Cluster(ctx.KV, cluster)
	if !ok {
		return Contract{}, fmt.Errorf("%w: %x", ErrUnknownCluster, cluster)
	}
	c := m.create(ctx, owner, code, cl, true, kind)
	m.notify(ctx, c)
	return c, nil
}

// SetCode records new code for a keyed instance; SetOwner hands it over.
// Both are for the module that made it with CreateKeyed.
func (m *Module) SetCode(ctx *module.Context, id, code [32]byte) error {
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	if _, ok := m.CodeInfo(ctx.KV, code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, code)
	}
	switchCode(&c, code, ctx.Height)
	m.setContract(ctx.KV, c)
	m.notify(ctx, c)
	return nil
}

// switchCode makes code the contract's code from its next input on.
func switchCode(c *Contract, code [32]byte, height int64) {
	c.Code = code[:]
	c.Versions = append(c.Versions, Version{Code: code[:], FromInput: c.Inputs, Height: height})
}

// SetOwner hands a keyed instance to a new owner.
func (m *Module) SetOwner(ctx *module.Context, id [32]byte, owner address.Address) error {
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	c.Owner = owner
	m.setContract(ctx.KV, c)
	return nil
}

func gasFor(p Params, asked uint64) (uint64, error) {
	switch {
	case asked == 0:
		return p.CommandGas, nil
	case asked > p.CommandGas:
		return 0, fmt.Errorf("%w: asked %d, limit %d", ErrGasLimit, asked, p.CommandGas)
	}
	return asked, nil
}

// queueInput appends an input to the contract's ordered input and saves
// the contract.
func (m *Module) queueInput(ctx *module.Context, c *Contract, in Input) {
	in.Height = ctx.Height
	in.TimeMillis = ctx.Time.UnixMilli()
	seq := m.queue.Send(ctx, ContractOrigin([32]byte(c.ID)), TopicInput, in.Encode())
	c.Inputs = seq + 1
	m.setContract(ctx.KV, *c)
	m.notify(ctx, *c)
	emitInput(ctx, c.ID, in, seq)
}

// contract returns the contract (not an agent) a command or upgrade names.
func (m *Module) contract(kv state.KV, id [32]byte) (Contract, error) {
	c, ok := m.Contract(kv, id)
	if !ok {
		return c, fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	if c.Kind == KindAgent {
		return c, fmt.Errorf("%w: %x", ErrNotContract, id)
	}
	return c, nil
}

func (m *Module) handleExec(ctx *module.Context, sender address.Address, msg *MsgExec) error {
	p := m.Params(ctx.KV)
	c, err := m.contract(ctx.KV, msg.Contract)
	if err != nil {
		return err
	}
	if len(msg.Envelope) > p.MaxInputSize {
		return fmt.Errorf("%w: command of %d bytes, limit %d", ErrTooLarge, len(msg.Envelope), p.MaxInputSize)
	}
	if err := m.checkKeysCurrent(ctx.KV, c); err != nil {
		return err
	}
	expires, err := checkCommand(c, sender, msg.Envelope)
	if err != nil {
		return err
	}
	if err := checkExpiry(ctx.Height, expires, p); err != nil {
		return err
	}
	h := sha256.Sum256(msg.Envelope)
	if !m.markSeen(ctx.KV, h[:], expires) {
		return fmt.Errorf("%w: seen record kept until its expiry height %d", ErrReplayedCommand, expires)
	}
	gas, err := gasFor(p, msg.Gas)
	if err != nil {
		return err
	}
	m.queueInput(ctx, &c, Input{Kind: InputCommand, Sender: sender, Gas: gas, Body: msg.Envelope})
	return m.holdFee(ctx, sender, msg.Contract, c.Inputs-1, p)
}

// checkExpiry requires a command's expiry height to be neither past nor
// further than the command window: the seen record that stops a replay
// lives until then, and after that the envelope is refused as expired.
func checkExpiry(height, expires int64, p Params) error {
	if expires < height {
		return fmt.Errorf("%w: expiry height %d, the chain is at %d", ErrCommandExpired, expires, height)
	}
	if expires > height+p.CommandWindow() {
		return fmt.Errorf("%w: expiry height %d is more than %d blocks after %d", ErrBadExpiry, expires, p.CommandWindow(), height)
	}
	return nil
}

// checkCommand requires a command envelope sealed to the contract's
// current key by the transaction's sender, and returns its expiry height.
func checkCommand(c Contract, sender address.Address, raw []byte) (int64, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	if env.Purpose != envelope.PurposeContractCommand {
		return 0, fmt.Errorf("%w: purpose %q, want %q", ErrBadEnvelope, env.Purpose, envelope.PurposeContractCommand)
	}
	// The recipient is in the clear: refusing a stale key keeps a command
	// from being readable by a worker removed from the cluster since.
	if string(env.Recipient[:]) != string(c.ECDHKey) {
		return 0, fmt.Errorf("%w: sealed to %x, contract key of epoch %d is %x", ErrWrongRecipient, env.Recipient[:8], c.KeyEpoch, []byte(c.ECDHKey)[:8])
	}
	// The sender is authenticated inside the envelope: copying someone
	// else's command into one's own transaction fails here, and the
	// contract can trust the caller it is told.
	from, expires, err := ParseCommandSender(env.Sender)
	if err != nil {
		return 0, err
	}
	if from != sender {
		return 0, fmt.Errorf("%w: envelope sender %s, transaction sender %s", ErrWrongSender, from, sender)
	}
	return expires, nil
}

// checkKeysCurrent requires the contract's keys to be published for the
// cluster's current epoch.
func (m *Module) checkKeysCurrent(kv state.KV, c Contract) error {
	cl, ok := m.clusters.Cluster(kv, [32]byte(c.Cluster))
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, []byte(c.Cluster))
	}
	if len(c.ECDHKey) == 0 || c.KeyEpoch != cl.Epoch {
		return fmt.Errorf("%w: cluster epoch %d, keys published for epoch %d", ErrNoKeys, cl.Epoch, c.KeyEpoch)
	}
	return nil
}

func (m *Module) handleUpgrade(ctx *module.Context, sender address.Address, msg *MsgUpgrade) error {
	c, err := m.contract(ctx.KV, msg.Contract)
	if err != nil {
		return err
	}
	if c.Owner != sender {
		return fmt.Errorf("%w: %x", ErrNotOwner, msg.Contract)
	}
	if !c.Upgradable {
		return fmt.Errorf("%w: %x", ErrNotUpgradable, msg.Contract)
	}
	if _, ok := m.CodeInfo(ctx.KV, msg.Code); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCode, msg.Code)
	}
	switchCode(&c, msg.Code, ctx.Height)
	m.queueInput(ctx, &c, Input{Kind: InputUpgrade, Sender: sender, Body: msg.Code[:]})
	return nil
}

// handleMQ dispatches the topics replicas post.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return mq.Topics{
		TopicPubKeys: m.handlePubKeys,
		TopicResult:  m.handleResult,
		TopicRoot:    m.handleRoot,
	}.Dispatch(ctx, msg)
}

// payloadFrom decodes a message's payload, which only an origin of kind
// may post.
func payloadFrom[T any](msg *mq.SignedMessage, kind mq.OriginKind, decode func([]byte) (T, error)) (T, error) {
	var p T
	if err := mq.CheckOrigin(msg, kind); err != nil {
		return p, err
	}
	p, err := decode(msg.Payload)
	if err != nil {
		return p, fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
	return p, nil
}

// handlePubKeys publishes contracts' keys for a cluster epoch. Entries
// already published for the epoch are skipped, so members whose turns
// overlap do no harm.
func (m *Module) handlePubKeys(ctx *module.Context, msg *mq.SignedMessage) error {
	p, err := payloadFrom(msg, mq.OriginWorker, DecodePubKeys)
	if err != nil {
		return err
	}
	cl, ok := m.clusters.Cluster(ctx.KV, p.Cluster)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownCluster, p.Cluster)
	}
	if !cl.IsMember(msg.Origin.ID) {
		return fmt.Errorf("%w: %x", ErrNotMember, msg.Origin.ID)
	}
	if p.Epoch != cl.Epoch || len(cl.SignKey) == 0 {
		return fmt.Errorf("%w: keys for epoch %d, cluster is at %d", ErrEpochBehind, p.Epoch, cl.Epoch)
	}
	if !ed25519.Verify(ed25519.PublicKey(cl.SignKey), p.SignBytes(ctx.ChainID), p.Signature) {
		return ErrBadKeyProof
	}
	for i, e := range p.Entries {
		c, ok := m.Contract(ctx.KV, e.Contract)
		if !ok || [32]byte(c.Cluster) != p.Cluster {
			return fmt.Errorf("%w: entry %d: %x is not a contract of cluster %x", ErrUnknownContract, i, e.Contract, p.Cluster)
		}
		if c.KeyEpoch == p.Epoch && len(c.SignKey) != 0 {
			continue
		}
		c.KeyEpoch = p.Epoch
		c.SignKey, c.ECDHKey = append(Hex(nil), e.Sign[:]...), append(Hex(nil), e.ECDH[:]...)
		m.setContract(ctx.KV, c)
		m.notify(ctx, c)
		emitKeys(ctx, e.Contract, p.Epoch)
	}
	return nil
}

// notify tells the contract's cluster that the contract changed. The
// notice is deleted retain_result_blocks later: a replica further behind
// finds it gone and looks at all the cluster's contracts instead.
func (m *Module) notify(ctx *module.Context, c Contract) {
	seq := m.queue.Send(ctx, mq.Origin{Kind: mq.OriginCluster, ID: [32]byte(c.Cluster)}, TopicActivity, c.ID)
	ctx.KV.Set(activityPruneKey(ctx.Height+m.Params(ctx.KV).retainResults(), [32]byte(c.Cluster), seq), []byte{1})
}

// pruneActivity deletes the cluster activity notices sent
// retain_result_blocks ago.
func (m *Module) pruneActivity(ctx *module.Context) error {
	due, err := state.Due(ctx.KV, prefixActivityPrune, 32+8, uint64(ctx.Height), 0)
	if err != nil {
		return fmt.Errorf("activity notice pruning queue: %w", err)
	}
	for _, e := range due {
		ctx.KV.Delete(e.Key)
		m.queue.Keeper.DropEgress(ctx.KV, mq.Origin{Kind: mq.OriginCluster, ID: [32]byte(e.Rest[:32])}, binary.BigEndian.Uint64(e.Rest[32:]))
	}
	return nil
}

func (m *Module) handleResult(ctx *module.Context, msg *mq.SignedMessage) error {
	p, err := payloadFrom(msg, mq.OriginContract, DecodeResult)
	if err != nil {
		return err
	}
	id := msg.Origin.ID
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	// One result per input, in input order: the mq sequence already
	// guarantees the order, this ties the numbers together.
	if p.Input != msg.Sequence || p.Input >= c.Inputs {
		return fmt.Errorf("%w: result for input %d in slot %d, contract has %d inputs", ErrBadResult, p.Input, msg.Sequence, c.Inputs)
	}
	m.setResult(ctx.KV, id, Result{Input: p.Input, OK: p.OK, Error: p.Error, Output: p.Output, Gas: p.Gas, Height: ctx.Height})
	ctx.KV.Set(pruneKey(ctx.Height+m.Params(ctx.KV).retainResults(), id, p.Input), []byte{1})
	c.Results = p.Input + 1
	m.setContract(ctx.KV, c)
	emitResult(ctx, id, p.Input, p.OK)
	return nil
}

// handleRoot tallies a member's state root for an input. Once more than
// half of the cluster's members agree on a root, every member that reported
// another is flagged, then and whenever it reports later.
func (m *Module) handleRoot(ctx *module.Context, msg *mq.SignedMessage) error {
	p, err := payloadFrom(msg, mq.OriginWorker, decodeRootReport)
	if err != nil {
		return err
	}
	id, input := p.contract, p.input
	c, ok := m.Contract(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	cl, ok := m.clusters.Cluster(ctx.KV, [32]byte(c.Cluster))
	if !ok || !cl.IsMember(msg.Origin.ID) {
		return fmt.Errorf("%w: %x", ErrNotMember, msg.Origin.ID)
	}
	if input >= c.Inputs {
		return fmt.Errorf("%w: root for input %d, contract has %d inputs", ErrBadResult, input, c.Inputs)
	}
	if input < m.Pruned(ctx.KV, id) {
		// A replica that far behind votes on a pruned input: the tally is
		// gone (keeping it would grow state again) and the fees are
		// settled, so the vote changes nothing.
		return nil
	}
	rep, _ := m.Roots(ctx.KV, id, input)
	rep.Input = input
	rep.vote(msg.Origin.ID, p.root)
	if agree := rep.majority(len(cl.Members)); agree != nil {
		// The replicas that agree earned the fees up to here.
		if err := m.payFees(ctx, id, input, agree); err != nil {
			return fmt.Errorf("contract fees: %w", err)
		}
		m.setLatestRoot(ctx.KV, id, input)
	}
	if len(rep.Majority) != 0 {
		for _, v := range rep.Votes {
			if string(v.Root) == string(rep.Majority) || contains(rep.Diverged, v.Worker) {
				continue
			}
			rep.Diverged = append(rep.Diverged, v.Worker)
			m.flag(ctx, id, v.Worker, input)
		}
	}
	if rep.Diverged == nil {
		rep.Diverged = []Hex{}
	}
	m.setRoots(ctx.KV, id, rep)
	return nil
}

// vote records worker's root, replacing its earlier one.
func (rep *RootReport) vote(worker [32]byte, root []byte) {
	for i, v := range rep.Votes {
		if string(v.Worker) == string(worker[:]) {
			rep.Votes[i].Root = append(Hex(nil), root...)
			return
		}
	}
	rep.Votes = append(rep.Votes, RootVote{Worker: append(Hex(nil), worker[:]...), Root: append(Hex(nil), root...)})
}

// majority sets the report's majority once more than half of a cluster of
// members agree on a root, and returns the workers that agree the moment
// it forms (nil before and after).
func (rep *RootReport) majority(members int) []Hex {
	if len(rep.Majority) != 0 {
		return nil
	}
	for _, v := range rep.Votes {
		var agree []Hex
		for _, u := range rep.Votes {
			if string(u.Root) == string(v.Root) {
				agree = append(agree, u.Worker)
			}
		}
		if 2*len(agree) > members {
			rep.Majority = v.Root
			return agree
		}
	}
	return nil
}

func contains(list []Hex, x Hex) bool {
	for _, y := range list {
		if string(y) == string(x) {
			return true
		}
	}
	return false
}

func (m *Module) flag(ctx *module.Context, id [32]byte, worker Hex, input uint64) {
	m.setDiverged(ctx.KV, id, append(m.Diverged(ctx.KV, id), Divergence{Worker: worker, Input: input, Height: ctx.Height}))
	emitDivergence(ctx, id, worker, input)
}

// holdFee takes a command's fee from its sender and keeps it for input,
// until a root majority pays it out (payFees) or, fee_refund_blocks
// later, it goes back to the sender (refundFees).
func (m *Module) holdFee(ctx *module.Context, sender address.Address, id [32]byte, input uint64, p Params) error {
	if p.CommandFee.IsZero() {
		return nil
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, FeeAccount, p.CommandFee); err != nil {
		return fmt.Errorf("command fee: %w", err)
	}
	m.Keeper.holdFee(ctx.KV, id, input, p.CommandFee, sender, ctx.Height+p.FeeRefundBlocks)
	return nil
}

// refundFees returns to their senders the fees still held when their
// refund height comes: no root majority formed for those inputs in
// fee_refund_blocks, so no replica earned them.
func (m *Module) refundFees(ctx *module.Context) error {
	dues, err := m.Keeper.dueRefunds(ctx.KV, ctx.Height)
	if err != nil {
		return err
	}
	for _, r := range dues {
		d, ok := m.Keeper.heldFee(ctx.KV, r.id, r.input)
		if !ok {
			ctx.KV.Delete(r.key) // paid out already
			continue
		}
		if err := (balances.Keeper{}).Transfer(ctx.KV, FeeAccount, d.sender, d.fee); err != nil {
			return fmt.Errorf("refund the fee of contract %x input %d: %w", r.id, r.input, err)
		}
		m.Keeper.releaseFee(ctx.KV, r.id, d)
		emitRefund(ctx, r.id, d)
	}
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
	bank := balances.Keeper{}
	for _, d := range m.heldFees(ctx.KV, id, input) {
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
		m.releaseFee(ctx.KV, id, d)
		emitFees(ctx, id, d.input, d.fee)
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

// SetFeeRecipients installs where replicas' fees go: a worker's stake pool,
// or its operator (from the registry) when it is in none.
func (m *Module) SetFeeRecipients(pools Pools, reg *registry.Module) {
	m.pools, m.registry = pools, reg
}

// HandleMQ consumes "contracts/..." messages: contract keys and state
// roots from member workers, results from contracts.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}

// ResolveContractKey is the mq key resolver for contract origins: the
// contract's current signing key. Replicas re-sign a pending result with
// the current key when the epoch moves under it.
func (m *Module) ResolveContractKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	return m.signKey(kv, id)
}

// endBlock refunds the command fees whose inputs went without a root
// majority for fee_refund_blocks, then walks the module's other due
// queues: expired seen envelopes, pruned inputs and activity notices,
// expired chunked uploads. A malformed queue key halts the chain there.
func (m *Module) endBlock(ctx *module.Context) error {
	for _, step := range []func(*module.Context) error{
		m.refundFees,
		func(ctx *module.Context) error { return m.expireSeen(ctx.KV, ctx.Height) },
		m.pruneInputs, m.pruneActivity, m.expireUploads,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// setLatestRoot records a root majority at input as the contract's latest
// (a majority that forms late for an older input changes nothing), and
// deletes the tally of the previous latest if pruning kept it only for
// being the latest.
func (m *Module) setLatestRoot(kv state.KV, id [32]byte, input uint64) {
	prev, ok := m.LatestRoot(kv, id)
	if ok && prev >= input {
		return
	}
	kv.Set(latestRootKey(id), binary.BigEndian.AppendUint64(nil, input))
	if ok && prev < m.Pruned(kv, id) {
		kv.Delete(RootsKey(id, prev))
	}
}

// pruneInputs deletes the results, input messages and root tallies of the
// inputs whose result landed retain_result_blocks ago, keeping the tally
// of each contract's latest root majority. Results land in input order, so
// the pruned inputs of a contract are always a prefix.
func (m *Module) pruneInputs(ctx *module.Context) error {
	due, err := state.Due(ctx.KV, prefixPrune, 32+8, uint64(ctx.Height), 0)
	if err != nil {
		return fmt.Errorf("input pruning queue: %w", err)
	}
	for _, e := range due {
		id, input := [32]byte(e.Rest[:32]), binary.BigEndian.Uint64(e.Rest[32:])
		ctx.KV.Delete(e.Key)
		ctx.KV.Delete(resultKey(id, input))
		m.queue.Keeper.DropEgress(ctx.KV, ContractOrigin(id), input)
		if latest, ok := m.LatestRoot(ctx.KV, id); !ok || latest != input {
			ctx.KV.Delete(RootsKey(id, input))
		}
		if input+1 > m.Pruned(ctx.KV, id) {
			ctx.KV.Set(PrunedKey(id), binary.BigEndian.AppendUint64(nil, input+1))
		}
	}
	return nil
}

// expireUploads deletes the chunked uploads whose window ends at or
// before this height.
func (m *Module) expireUploads(ctx *module.Context) error {
	due, err := state.Due(ctx.KV, prefixUploadExpiry, address.Size, uint64(ctx.Height), 0)
	if err != nil {
		return fmt.Errorf("upload expiry queue: %w", err)
	}
	for _, e := range due {
		a := address.Address(e.Rest)
		ctx.KV.Delete(e.Key)
		if up, ok := m.upload(ctx.KV, a); ok && up.Expires == int64(e.At) {
			m.dropUpload(ctx.KV, a, up)
		}
	}
	return nil
}

// handleUploadChunk takes one chunk of a chunked upload (MsgUploadChunk).
// Each refusal names its check; a refused chunk changes nothing.
func (m *Module) handleUploadChunk(ctx *module.Context, sender address.Address, msg *MsgUploadChunk) error {
	p := m.Params(ctx.KV)
	if msg.Total > uint64(p.MaxCodeSize) {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrCodeTooLarge, msg.Total, p.MaxCodeSize)
	}
	up, ok := m.upload(ctx.KV, sender)
	if msg.Offset == 0 {
		if _, stored := m.CodeInfo(ctx.KV, msg.Hash); stored {
			emitCodeStored(ctx, msg.Hash, sender)
			return nil
		}
		if ok {
			m.dropUpload(ctx.KV, sender, up)
		}
		up = Upload{Hash: msg.Hash[:], Total: msg.Total, Expires: ctx.Height + p.uploadWindow()}
		ctx.KV.Set(uploadExpiryKey(up.Expires, sender), []byte{1})
	} else {
		switch {
		case !ok:
			return fmt.Errorf("%w: no upload in progress for %s (the first chunk has offset 0; an upload expires %d blocks after it)", ErrUploadRefused, sender, p.uploadWindow())
		case [32]byte(up.Hash) != msg.Hash || up.Total != msg.Total:
			return fmt.Errorf("%w: chunk is for code %x (%d bytes), the upload in progress is %x (%d bytes)", ErrUploadRefused, msg.Hash, msg.Total, []byte(up.Hash), up.Total)
		case msg.Offset != up.Received:
			return fmt.Errorf("%w: chunk at offset %d, the upload expects offset %d", ErrUploadRefused, msg.Offset, up.Received)
		}
	}
	ctx.KV.Set(uploadChunkKey(sender, up.Chunks), msg.Chunk)
	up.Chunks++
	up.Received += uint64(len(msg.Chunk))
	if up.Received < up.Total {
		ctx.KV.Set(uploadKey(sender), state.EncodeJSON(up))
		return nil
	}
	return m.finishUpload(ctx, sender, up)
}

// finishUpload checks the complete code's hash and stores it.
func (m *Module) finishUpload(ctx *module.Context, sender address.Address, up Upload) error {
	code := make([]byte, 0, up.Total)
	for i := range up.Chunks {
		code = append(code, ctx.KV.Get(uploadChunkKey(sender, i))...)
	}
	hash := sha256.Sum256(code)
	if hash != [32]byte(up.Hash) {
		// The transaction fails and its writes are dropped: the upload
		// stays as it was before this chunk, to be restarted or expire.
		return fmt.Errorf("%w: the code's SHA-256 is %x, not the declared %x", ErrUploadRefused, hash, []byte(up.Hash))
	}
	m.dropUpload(ctx.KV, sender, up)
	if _, ok := m.CodeInfo(ctx.KV, hash); !ok {
		m.storeCode(ctx.KV, hash, code, Code{Hash: hash[:], Size: len(code), Uploader: sender, Height: ctx.Height})
	}
	emitCodeStored(ctx, hash, sender)
	return nil
}

// upload returns an account's upload in progress.
func (Module) upload(kv state.KV, uploader address.Address) (Upload, bool) {
	return module.GetJSON[Upload](kv, uploadKey(uploader), "upload of %s", uploader)
}

// dropUpload deletes an upload, its chunks and its expiry mark.
func (Module) dropUpload(kv state.KV, uploader address.Address, up Upload) {
	for i := range up.Chunks {
		kv.Delete(uploadChunkKey(uploader, i))
	}
	kv.Delete(uploadExpiryKey(up.Expires, uploader))
	kv.Delete(uploadKey(uploader))
}
