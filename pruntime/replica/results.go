package replica

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Results returns the signed results the chain does not have yet, in
// input order per contract. Each is signed now with the contract's current
// key, so a result computed before an epoch change still lands.
func (r *Replica) Results(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []mq.SignedMessage
	for id, in := range r.running {
		if len(in.rec.Unposted) == 0 {
			continue
		}
		h, err := r.dropPosted(ctx, src, id, in)
		if err != nil {
			return nil, err
		}
		if len(in.rec.Unposted) == 0 {
			continue
		}
		signed, err := r.signResults(ctx, src, id, in, h)
		if err != nil {
			return nil, err
		}
		out = append(out, signed...)
	}
	return out, nil
}

// dropPosted forgets the results the chain has, reading its next result
// sequence of the contract; it returns the height it read at.
func (r *Replica) dropPosted(ctx context.Context, src chainsync.Source, id [32]byte, in *instance) (int64, error) {
	raw, h, err := r.core.Cached(ctx, src, mq.SequenceKey(contracts.ContractOrigin(id)))
	if err != nil {
		return 0, err
	}
	var next uint64
	if len(raw) == 8 {
		next = binary.BigEndian.Uint64(raw)
	}
	kept := in.rec.Unposted[:0]
	for _, u := range in.rec.Unposted {
		if u.Input >= next {
			kept = append(kept, u)
		}
	}
	dropped := len(kept) != len(in.rec.Unposted)
	in.rec.Unposted = kept
	if dropped {
		if err := r.putRecord(in); err != nil {
			return 0, err
		}
	}
	return h, nil
}

// signResults signs a contract's unposted results with its key of the
// chain's current epoch, read at height h; none when this worker does not
// hold that key yet.
func (r *Replica) signResults(ctx context.Context, src chainsync.Source, id [32]byte, in *instance, h int64) ([]mq.SignedMessage, error) {
	b, err := r.core.CachedAt(ctx, src, contracts.ContractKey(id), h)
	if err != nil || b == nil {
		return nil, fmt.Errorf("enclave: contract %x: %v", id, err)
	}
	var rec contracts.Contract
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	k, ok, err := r.core.ContractKey([32]byte(rec.Cluster), id, rec.KeyEpoch)
	if err != nil {
		return nil, err
	}
	if !ok || !bytes.Equal(k.Pairs.Public().Sign, rec.SignKey) {
		return nil, nil // keys of the new epoch not published or not held yet
	}
	var out []mq.SignedMessage
	for _, u := range in.rec.Unposted {
		m := mq.SignedMessage{Origin: contracts.ContractOrigin(id), Topic: contracts.TopicResult, Payload: u.Payload, Sequence: u.Input}
		m.Sign(r.core.ChainID(), k.Pairs.Sign)
		out = append(out, m)
	}
	return out, nil
}
