package replica

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/core"
)

// SnapshotKindContract is the kind of a contract state snapshot.
const SnapshotKindContract = "contract"

// SnapshotWant is a contract this replica must run but cannot replay: it
// was created under a cluster epoch whose key this worker never held, so
// it waits for a member's snapshot.
type SnapshotWant struct {
	Contract [32]byte
	Cluster  [32]byte
}

// snapshotBody is what a contract snapshot seals: everything a replica
// needs to go on from Position (its next input).
type snapshotBody struct {
	NextInput uint64            `json:"next_input"`
	Code      keys.Hex          `json:"code"`
	RootKey   []byte            `json:"root_key"`
	Entries   map[string][]byte `json:"entries"`
}

// SnapshotWants lists the contracts waiting for a member's snapshot, in no
// particular order.
func (r *Replica) SnapshotWants() []SnapshotWant {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SnapshotWant, 0, len(r.wants))
	for id, cl := range r.wants {
		out = append(out, SnapshotWant{Contract: id, Cluster: cl})
	}
	return out
}

// ExportSnapshot answers a member's signed request (core.SnapshotRequest)
// with this replica's state of a contract sealed for that member, under
// the cluster key of the cluster's current epoch: only members of that
// epoch open it, the host carrying it sees ciphertext. Only the member it
// is sealed to may ask (core.ErrSnapshotRequest), since copying the state
// holds the replica's lock.
func (r *Replica) ExportSnapshot(ctx context.Context, src chainsync.Source, req core.SnapshotRequest) (core.SealedSnapshot, error) {
	if req.Kind != SnapshotKindContract {
		return core.SealedSnapshot{}, fmt.Errorf("snapshot-kind: %q is not a contract snapshot", req.Kind)
	}
	if err := r.core.CheckSnapshotRequest(req); err != nil {
		return core.SealedSnapshot{}, err
	}
	id, to := req.Subject, req.To
	rec, cl, err := r.contractAndCluster(ctx, src, id)
	if err != nil {
		return core.SealedSnapshot{}, err
	}
	if !cl.IsMember(to) {
		return core.SealedSnapshot{}, fmt.Errorf("%w: %x asks for contract %x", core.ErrSnapshotNotMember, to, id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	in, err := r.load(rec)
	if err != nil {
		return core.SealedSnapshot{}, err
	}
	if in.rec.RootKey == nil || in.rec.NextInput == 0 {
		return core.SealedSnapshot{}, fmt.Errorf("%w: contract %x", ErrNotRunning, id)
	}
	body := snapshotBody{NextInput: in.rec.NextInput, Code: in.rec.Code, RootKey: in.rec.RootKey, Entries: map[string][]byte{}}
	for _, k := range in.state.Keys("") {
		body.Entries[k] = in.state.Get(k)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return core.SealedSnapshot{}, err
	}
	h := core.SnapshotHeader{Kind: SnapshotKindContract, Cluster: [32]byte(cl.ID), Epoch: cl.Epoch, Subject: id, To: to, Position: in.rec.NextInput}
	return r.core.SealSnapshot(h, raw)
}

// ImportSnapshot takes a member's snapshot of a contract: it refuses one
// whose sender is not a member of the contract's cluster on chain
// (core.ErrSnapshotNotMember), one sealed for another epoch than the
// cluster's current one (core.ErrSnapshotEpoch), one that does not open
// (core.ErrSnapshotSeal), and one whose state does not hash to the root
// the chain's majority agreed on after its last input
// (core.ErrSnapshotRoot). A snapshot no further than this replica's own
// state changes nothing, so no input is applied twice; the replica goes
// on from the snapshot's next input, so none is lost.
func (r *Replica) ImportSnapshot(ctx context.Context, src chainsync.Source, s core.SealedSnapshot) error {
	h := s.Header
	if h.Kind != SnapshotKindContract {
		return fmt.Errorf("snapshot-kind: %q is not a contract snapshot", h.Kind)
	}
	rec, cl, err := r.contractAndCluster(ctx, src, h.Subject)
	if err != nil {
		return err
	}
	if [32]byte(cl.ID) != h.Cluster {
		return fmt.Errorf("%w: contract %x is in cluster %x, not %x", core.ErrSnapshotNotMember, h.Subject, []byte(cl.ID), h.Cluster)
	}
	if !cl.IsMember(h.From) || h.From == [32]byte(r.core.ID()) {
		return fmt.Errorf("%w: %x is not another member of cluster %x", core.ErrSnapshotNotMember, h.From, h.Cluster)
	}
	if h.Epoch != cl.Epoch {
		return fmt.Errorf("%w: sealed for epoch %d, cluster %x is at epoch %d", core.ErrSnapshotEpoch, h.Epoch, h.Cluster, cl.Epoch)
	}
	raw, err := r.core.OpenSnapshot(s)
	if err != nil {
		return err
	}
	var body snapshotBody
	if err := json.Unmarshal(raw, &body); err != nil || body.NextInput != h.Position || body.NextInput == 0 || body.NextInput > rec.Inputs || len(body.RootKey) != 32 {
		return fmt.Errorf("%w: body unreadable or at input %d of %d (header says %d)", core.ErrSnapshotSeal, body.NextInput, rec.Inputs, h.Position)
	}
	st, err := snapshotState(body)
	if err != nil {
		return err
	}
	if err := r.checkRoot(ctx, src, h.Subject, body.NextInput-1, st.Root(body.RootKey)); err != nil {
		return err
	}
	return r.install(rec, cl, body, st)
}

// install makes a checked snapshot this replica's state of a contract,
// unless its own state is as far already.
func (r *Replica) install(rec contracts.Contract, cl clusters.Cluster, body snapshotBody, st *contractstate.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := [32]byte(rec.ID)
	in, err := r.load(rec)
	if err != nil {
		return err
	}
	if in.rec.NextInput >= body.NextInput {
		delete(r.wants, id)
		return nil
	}
	prev := *in
	in.rec = contractRecord{ID: rec.ID, Cluster: rec.Cluster, NextInput: body.NextInput, Epoch: cl.Epoch, Code: body.Code, RootKey: body.RootKey}
	in.state = st
	if err := r.save(in, cl.Epoch); err != nil {
		*in = prev
		return err
	}
	delete(r.wants, id)
	return nil
}

// snapshotState rebuilds a contract state from a snapshot's entries.
func snapshotState(body snapshotBody) (*contractstate.State, error) {
	st := contractstate.New()
	for k, v := range body.Entries {
		if err := st.Set(k, v); err != nil {
			return nil, fmt.Errorf("%w: %v", core.ErrSnapshotSeal, err)
		}
	}
	return st, nil
}

// checkRoot compares root with the majority root the chain tallied for a
// contract's input.
func (r *Replica) checkRoot(ctx context.Context, src chainsync.Source, id [32]byte, input uint64, root [32]byte) error {
	raw, _, err := r.core.Cached(ctx, src, contracts.RootsKey(id, input))
	if err != nil {
		return err
	}
	var rep contracts.RootReport
	if raw == nil || json.Unmarshal(raw, &rep) != nil || len(rep.Majority) == 0 {
		return fmt.Errorf("%w: no majority root on chain for contract %x input %d", core.ErrSnapshotRoot, id, input)
	}
	if string(rep.Majority) != string(root[:]) {
		return fmt.Errorf("%w: contract %x input %d: the snapshot hashes to %x, the chain's majority is %x", core.ErrSnapshotRoot, id, input, root, []byte(rep.Majority))
	}
	return nil
}

// contractAndCluster reads a contract's record and its cluster's from the
// verified chain.
func (r *Replica) contractAndCluster(ctx context.Context, src chainsync.Source, id [32]byte) (contracts.Contract, clusters.Cluster, error) {
	b, _, err := r.core.Cached(ctx, src, contracts.ContractKey(id))
	if err != nil {
		return contracts.Contract{}, clusters.Cluster{}, err
	}
	var rec contracts.Contract
	if b == nil || json.Unmarshal(b, &rec) != nil || rec.Kind == contracts.KindAgent {
		return contracts.Contract{}, clusters.Cluster{}, fmt.Errorf("%w: contract %x", ErrNotRunning, id)
	}
	cs, err := r.core.Clusters(ctx, src)
	if err != nil {
		return contracts.Contract{}, clusters.Cluster{}, err
	}
	for _, cl := range cs {
		if [32]byte(cl.ID) == [32]byte(rec.Cluster) {
			return rec, cl, nil
		}
	}
	return contracts.Contract{}, clusters.Cluster{}, fmt.Errorf("%w: contract %x's cluster is gone", ErrNotRunning, id)
}
