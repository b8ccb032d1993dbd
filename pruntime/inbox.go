package pruntime

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Inbox reads the messages the chain has queued for this worker, from
// sequence from on, each checked with a Merkle proof against a verified
// header. It returns them in order and the sequence to read from next.
func (e *Enclave) Inbox(ctx context.Context, src chainsync.Source, from uint64) ([]mq.Egress, uint64, error) {
	return e.egress(ctx, src, e.Origin(), from, 0)
}

// egress reads the chain's messages to dest from sequence from on, at most
// limit of them (0: all), each checked with a Merkle proof.
func (e *Enclave) egress(ctx context.Context, src chainsync.Source, dest mq.Origin, from uint64, limit int) ([]mq.Egress, uint64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	raw, height, err := e.sync.VerifiedState(ctx, src, mq.EgressKey(dest))
	if err != nil {
		return nil, from, fmt.Errorf("enclave: read inbox length: %w", err)
	}
	var end uint64
	if raw != nil {
		if len(raw) != 8 {
			return nil, from, fmt.Errorf("enclave: inbox length record is %d bytes", len(raw))
		}
		end = binary.BigEndian.Uint64(raw)
	}
	if limit > 0 && end > from+uint64(limit) {
		end = from + uint64(limit)
	}
	var out []mq.Egress
	for seq := from; seq < end; seq++ {
		// Read at the same height as the length, so a message pruned later
		// cannot make the view inconsistent.
		b, err := e.sync.VerifiedStateAt(ctx, src, mq.EgressMessageKey(dest, seq), height)
		if err != nil {
			return out, seq, fmt.Errorf("enclave: read inbox message %d: %w", seq, err)
		}
		if b == nil {
			return out, seq, fmt.Errorf("enclave: inbox message %d is missing at height %d", seq, height)
		}
		m, err := mq.DecodeEgress(b)
		if err != nil {
			return out, seq, fmt.Errorf("enclave: inbox message %d: %w", seq, err)
		}
		out = append(out, m)
	}
	return out, max(end, from), nil
}
