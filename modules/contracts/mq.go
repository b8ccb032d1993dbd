package contracts

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/mq"
)

// HandleMQ consumes "contracts/..." messages: contract keys and state
// roots from member workers, results from contracts.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	switch msg.Topic {
	case TopicPubKeys:
		return m.handlePubKeys(ctx, msg)
	case TopicResult:
		return m.handleResult(ctx, msg)
	case TopicRoot:
		return m.handleRoot(ctx, msg)
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
}

func requireOrigin(msg *mq.SignedMessage, kind mq.OriginKind) error {
	if msg.Origin.Kind != kind {
		return fmt.Errorf("%w: %s cannot post %s", mq.ErrInvalidMessage, msg.Origin.Kind, msg.Topic)
	}
	return nil
}

// handlePubKeys publishes contracts' keys for a cluster epoch. Entries
// already published for the epoch are skipped, so members whose turns
// overlap do no harm.
func (m *Module) handlePubKeys(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := requireOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	p, err := DecodePubKeys(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
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
		if ctx.Recording() {
			ctx.Emit(EventKeys, module.Indexed(AttrContract, hex.EncodeToString(e.Contract[:])), module.Attr(AttrEpoch, strconv.FormatUint(p.Epoch, 10)))
		}
	}
	return nil
}

// TopicActivity (chain to the cluster origin): the id of a contract of the
// cluster that got an input or new keys. Replicas follow this queue, with
// proofs, instead of re-reading every contract record on every block.
const TopicActivity = "contracts/activity"

// notify tells the contract's cluster that the contract changed.
func (m *Module) notify(ctx *module.Context, c Contract) {
	m.queue.Send(ctx, mq.Origin{Kind: mq.OriginCluster, ID: [32]byte(c.Cluster)}, TopicActivity, c.ID)
}

func (m *Module) handleResult(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := requireOrigin(msg, mq.OriginContract); err != nil {
		return err
	}
	p, err := DecodeResult(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
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
	res := Result{Input: p.Input, OK: p.OK, Error: p.Error, Output: p.Output, Gas: p.Gas, Height: ctx.Height}
	raw, _ := json.Marshal(res)
	ctx.KV.Set(resultKey(id, p.Input), raw)
	c.Results = p.Input + 1
	m.setContract(ctx.KV, c)
	ctx.Emit(EventResult, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Indexed(AttrInput, strconv.FormatUint(p.Input, 10)),
		module.Attr(AttrOK, strconv.FormatBool(p.OK)))
	return nil
}

func resultKey(id [32]byte, input uint64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixResult, id[:]), input)
}

func rootsKey(id [32]byte, input uint64) []byte {
	return binary.BigEndian.AppendUint64(state.Key(prefixRoots, id[:]), input)
}

// Result returns the stored result of one input.
func (*Module) Result(kv state.KV, id [32]byte, input uint64) (Result, bool) {
	raw := kv.Get(resultKey(id, input))
	if raw == nil {
		return Result{}, false
	}
	var r Result
	state.DecodeJSON(raw, &r, "contract result")
	return r, true
}

// Roots returns the state-root tally of one input.
func (*Module) Roots(kv state.KV, id [32]byte, input uint64) (RootReport, bool) {
	raw := kv.Get(rootsKey(id, input))
	if raw == nil {
		return RootReport{}, false
	}
	var r RootReport
	state.DecodeJSON(raw, &r, "contract roots")
	return r, true
}

// handleRoot tallies a member's state root for an input. Once more than
// half of the cluster's members agree on a root, every member that reported
// another is flagged, then and whenever it reports later.
func (m *Module) handleRoot(ctx *module.Context, msg *mq.SignedMessage) error {
	if err := requireOrigin(msg, mq.OriginWorker); err != nil {
		return err
	}
	r := wire.NewReader(msg.Payload)
	var id [32]byte
	copy(id[:], r.Raw(32))
	input := r.Uvarint()
	root := r.Raw(32)
	if err := r.Done(); err != nil {
		return fmt.Errorf("%w: %v", mq.ErrInvalidMessage, err)
	}
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
	rep, _ := m.Roots(ctx.KV, id, input)
	rep.Input = input
	worker := msg.Origin.ID
	found := false
	for i, v := range rep.Votes {
		if string(v.Worker) == string(worker[:]) {
			rep.Votes[i].Root, found = append(Hex(nil), root...), true
		}
	}
	if !found {
		rep.Votes = append(rep.Votes, RootVote{Worker: append(Hex(nil), worker[:]...), Root: append(Hex(nil), root...)})
	}
	if len(rep.Majority) == 0 {
		for _, v := range rep.Votes {
			n := 0
			for _, u := range rep.Votes {
				if string(u.Root) == string(v.Root) {
					n++
				}
			}
			if 2*n > len(cl.Members) {
				rep.Majority = v.Root
				// The replicas that agree earned the fees up to here.
				var agree []Hex
				for _, u := range rep.Votes {
					if string(u.Root) == string(v.Root) {
						agree = append(agree, u.Worker)
					}
				}
				if err := m.payFees(ctx, id, input, agree); err != nil {
					return fmt.Errorf("contract fees: %w", err)
				}
				break
			}
		}
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
	raw, _ := json.Marshal(rep)
	ctx.KV.Set(rootsKey(id, input), raw)
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

// Divergence is a worker the chain caught with a state root that
// disagrees with the majority of its cluster.
type Divergence struct {
	Worker Hex    `json:"worker"`
	Input  uint64 `json:"input"`
	Height int64  `json:"height"`
}

func divergedKey(id [32]byte) []byte { return state.Key([]byte("contracts/diverged/"), id[:]) }

// Diverged lists the divergences recorded for a contract.
func (*Module) Diverged(kv state.KV, id [32]byte) []Divergence {
	out := []Divergence{}
	if raw := kv.Get(divergedKey(id)); raw != nil {
		state.DecodeJSON(raw, &out, "contract divergences")
	}
	return out
}

func (m *Module) flag(ctx *module.Context, id [32]byte, worker Hex, input uint64) {
	list := append(m.Diverged(ctx.KV, id), Divergence{Worker: worker, Input: input, Height: ctx.Height})
	raw, _ := json.Marshal(list)
	ctx.KV.Set(divergedKey(id), raw)
	ctx.Emit(EventDivergence, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Indexed(AttrWorker, hex.EncodeToString(worker)),
		module.Attr(AttrInput, strconv.FormatUint(input, 10)))
}
