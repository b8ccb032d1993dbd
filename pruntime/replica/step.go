package replica

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// inputsPerStep bounds the inputs one contract runs per worker step, so a
// backlog cannot starve the other contracts.
const inputsPerStep = 64

// clusterView is what a replica remembers of one cluster between steps:
// how far it read the cluster's activity queue and which contracts need a
// look, so a block with no activity costs one proof, not one per contract.
type clusterView struct {
	// activity is the next activity notice to read; valid once scanned.
	activity uint64
	scanned  bool
	// keyed are the contracts whose keys for epoch are published or posted.
	epoch uint64
	keyed map[[32]byte]bool
	// again are contracts to look at next step whatever the activity (a
	// backlog of inputs, keys not yet usable).
	again map[[32]byte]bool
}

// Step runs this worker's part in its clusters' contracts: it publishes
// contract keys for the cluster's epoch when it is the member whose turn
// it is, runs new inputs in order, queues their results and reports the
// state root.
func (r *Replica) Step(ctx context.Context, src chainsync.Source) error {
	cs, err := r.core.Clusters(ctx, src)
	if err != nil {
		return err
	}
	me := [32]byte(r.core.ID())
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		// Holding the epoch key is enough: the confirmation that lets the
		// chain know may land in the same block as the contract keys.
		if !c.IsMember(me) {
			continue
		}
		if held, err := r.core.HoldsClusterKey([32]byte(c.ID), c.Epoch); err != nil || !held {
			if err != nil {
				return err
			}
			continue
		}
		if err := r.clusterContracts(ctx, src, c); err != nil {
			return fmt.Errorf("cluster %x: %w", []byte(c.ID), err)
		}
	}
	return nil
}

// view returns what this replica remembers of a cluster, starting over the
// keys when its epoch moved.
func (r *Replica) view(c clusters.Cluster) *clusterView {
	cid := [32]byte(c.ID)
	v := r.clusterViews[cid]
	if v == nil || v.epoch != c.Epoch {
		v = &clusterView{epoch: c.Epoch, keyed: map[[32]byte]bool{}, again: map[[32]byte]bool{}}
		if old := r.clusterViews[cid]; old != nil {
			v.activity, v.scanned, v.again = old.activity, old.scanned, old.again
		}
		r.clusterViews[cid] = v
	}
	return v
}

func (r *Replica) clusterContracts(ctx context.Context, src chainsync.Source, c clusters.Cluster) error {
	cid := [32]byte(c.ID)
	v := r.view(c)
	list, h, err := r.core.Cached(ctx, src, contracts.ClusterContractsKey(cid))
	if err != nil {
		return err
	}
	ids := make([][32]byte, 0, len(list)/32)
	for i := 0; i+32 <= len(list); i += 32 {
		ids = append(ids, [32]byte(list[i:i+32]))
	}
	if err := r.publishContractKeys(ctx, src, c, v, ids, h); err != nil {
		return err
	}
	look, err := r.toLookAt(ctx, src, v, cid, ids, h)
	if err != nil {
		return err
	}
	// Map order must not leak into anything the chain sees; the list order
	// is the chain's, so follow it.
	for _, id := range ids {
		if look[id] {
			if err := r.lookAt(ctx, src, c, v, id, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// toLookAt says which contracts of a cluster to look at: all of them on
// the first step, then the ones the activity queue names, and those left
// over.
func (r *Replica) toLookAt(ctx context.Context, src chainsync.Source, v *clusterView, cid [32]byte, ids [][32]byte, h int64) (map[[32]byte]bool, error) {
	look := map[[32]byte]bool{}
	origin := mq.Origin{Kind: mq.OriginCluster, ID: cid}
	if !v.scanned {
		raw, err := r.core.CachedAt(ctx, src, mq.EgressKey(origin), h)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			look[id] = true
		}
		v.activity, v.scanned = 0, true
		if len(raw) == 8 {
			v.activity = binary.BigEndian.Uint64(raw)
		}
	} else {
		msgs, next, err := r.core.Egress(ctx, src, origin, v.activity, 0)
		if err != nil {
			// The chain prunes notices retain_result_blocks after they
			// were sent: a member further behind looks at every contract
			// again and reads on from the queue's end.
			v.scanned = false
			return r.toLookAt(ctx, src, v, cid, ids, h)
		}
		for _, m := range msgs {
			if m.Topic == contracts.TopicActivity && len(m.Payload) == 32 {
				look[[32]byte(m.Payload)] = true
			}
		}
		v.activity = next
	}
	for id := range v.again {
		look[id] = true
	}
	v.again = map[[32]byte]bool{}
	return look, nil
}

// lookAt runs one contract's new inputs, or hands an agent to the agent
// host; what is left for later goes into v.again.
func (r *Replica) lookAt(ctx context.Context, src chainsync.Source, c clusters.Cluster, v *clusterView, id [32]byte, h int64) error {
	b, _, err := r.core.Cached(ctx, src, contracts.ContractKey(id))
	if err != nil || b == nil {
		v.again[id] = true
		return fmt.Errorf("enclave: contract %x: %v", id, err)
	}
	var rec contracts.Contract
	if err := json.Unmarshal(b, &rec); err != nil {
		return err
	}
	if rec.KeyEpoch != c.Epoch || len(rec.SignKey) == 0 {
		// Keys on their way, or a post of them that never landed: post
		// again when it is this member's turn and nothing is pending.
		v.keyed[id] = false
		v.again[id] = true
		return nil
	}
	v.keyed[id] = true
	if rec.Kind == contracts.KindAgent {
		// Agents have no ordered input; their secrets follow the key.
		if err := r.agents(ctx, src, c, rec, h); err != nil {
			v.again[id] = true
			return fmt.Errorf("agent %x: %w", id, err)
		}
		return nil
	}
	more, err := r.run(ctx, src, c, rec)
	if err != nil {
		v.again[id] = true
		return fmt.Errorf("contract %x: %w", id, err)
	}
	if more {
		v.again[id] = true
	}
	return nil
}

// publishContractKeys posts, in batches, the public keys for the
// cluster's epoch of every contract not known to have them, signed once per
// batch by the cluster key. Members take turns every ten blocks so one
// that is down does not stall the contracts for long.
func (r *Replica) publishContractKeys(ctx context.Context, src chainsync.Source, c clusters.Cluster, v *clusterView, ids [][32]byte, h int64) error {
	if len(c.SignKey) == 0 || !core.MemberTurn(c, h, [32]byte(r.core.ID())) {
		return nil
	}
	if r.out.HasPending(contracts.TopicPubKeys, c.ID) {
		return nil
	}
	var need [][32]byte
	for _, id := range ids {
		if !v.keyed[id] {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	cp, ok, err := r.core.ClusterPairs([32]byte(c.ID), c.Epoch)
	if err != nil || !ok {
		return err
	}
	for start := 0; start < len(need); start += contracts.MaxPubKeyEntries {
		p := contracts.PubKeysPayload{Cluster: [32]byte(c.ID), Epoch: c.Epoch}
		for _, id := range need[start:min(start+contracts.MaxPubKeyEntries, len(need))] {
			k, _, err := r.core.ContractKey([32]byte(c.ID), id, c.Epoch)
			if err != nil {
				return err
			}
			pub := k.Pairs.Public()
			p.Entries = append(p.Entries, contracts.PubKeyEntry{Contract: id, Sign: [32]byte(pub.Sign), ECDH: [32]byte(pub.ECDH)})
			v.keyed[id] = true
		}
		p.Signature = ed25519.Sign(cp.Sign, p.SignBytes(r.core.ChainID()))
		if _, err := r.out.Post(ctx, src, contracts.TopicPubKeys, p.Encode()); err != nil {
			return err
		}
	}
	return nil
}

// run runs a contract's new inputs and reports the state root. It reports
// whether inputs are left for another step.
func (r *Replica) run(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract) (bool, error) {
	id := [32]byte(rec.ID)
	cur, ok, err := r.core.ContractKey([32]byte(c.ID), id, rec.KeyEpoch)
	if err != nil || !ok {
		return false, err
	}
	if !bytes.Equal(cur.Pairs.Public().Sign, rec.SignKey) {
		return false, fmt.Errorf("enclave: the chain's keys for epoch %d are not the ones this worker derives", rec.KeyEpoch)
	}
	in, err := r.load(rec)
	if err != nil {
		return false, err
	}
	if in.rec.NextInput >= rec.Inputs {
		if in.rec.Epoch != rec.KeyEpoch && in.rec.NextInput > 0 {
			return false, r.save(in, rec.KeyEpoch)
		}
		return false, nil
	}
	if in.rec.RootKey == nil {
		created, ok, err := r.core.ContractKey([32]byte(c.ID), id, rec.CreatedEpoch)
		if err != nil {
			return false, err
		}
		if !ok {
			// A late joiner: the inputs before it are sealed to keys it
			// never held, so it waits for a member's snapshot
			// (snapshot.go) and looks again next step.
			r.wants[id] = [32]byte(c.ID)
			return true, nil
		}
		in.rec.RootKey = created.SubKey(labelContractRoot)
	}
	msgs, _, err := r.core.Egress(ctx, src, contracts.ContractOrigin(id), in.rec.NextInput, inputsPerStep)
	if err != nil && r.pruned(ctx, src, id, in.rec.NextInput) {
		// Its next input is pruned from the chain (retain_result_blocks
		// passed while it was behind): it catches up from a member's
		// snapshot, as a late joiner does.
		r.wants[id] = [32]byte(c.ID)
		return true, nil
	}
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	for _, m := range msgs {
		seq := in.rec.NextInput
		input, err := contracts.DecodeInput(m.Payload)
		var p contracts.ResultPayload
		if err != nil {
			p = contracts.ResultPayload{Input: seq, Error: "malformed input"}
		} else {
			p = r.execute(ctx, src, c, rec, in, input, seq)
		}
		in.rec.Unposted = append(in.rec.Unposted, unposted{Input: seq, Payload: p.Encode()})
		in.rec.NextInput++
	}
	if err := r.save(in, rec.KeyEpoch); err != nil {
		return false, err
	}
	root := in.state.Root(in.rec.RootKey)
	w := wire.NewWriter(80)
	w.Raw(id[:])
	w.Uvarint(in.rec.NextInput - 1)
	w.Raw(root[:])
	_, err = r.out.Post(ctx, src, contracts.TopicRoot, w.Bytes())
	return in.rec.NextInput < rec.Inputs, err
}

// pruned reports whether the chain has pruned a contract's input next.
func (r *Replica) pruned(ctx context.Context, src chainsync.Source, id [32]byte, next uint64) bool {
	raw, _, err := r.core.Cached(ctx, src, contracts.PrunedKey(id))
	return err == nil && len(raw) == 8 && binary.BigEndian.Uint64(raw) > next
}
