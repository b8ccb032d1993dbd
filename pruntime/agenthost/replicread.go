package agenthost

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Linearizable reads (docs/agents.md, "Agent state: consistency"). A hop
// that read its agent's kv and wrote nothing answers only after a
// majority of the members confirmed that none of them holds a newer
// write than the one it read: every acknowledged write is on a majority,
// two majorities meet, so a member cut off from the others (a primary
// after a partition) cannot answer a read that misses a write the others
// acknowledged. A hop that wrote is confirmed by its write's acks.

// HeadAnswer is a member's head of an agent in answer to one query, MACed
// under the agent's state key.
type HeadAnswer struct {
	Agent  [32]byte `json:"agent"`
	Epoch  uint64   `json:"epoch"`
	Nonce  [16]byte `json:"nonce"`
	Head   Head     `json:"head"`
	Member [32]byte `json:"member"`
	MAC    []byte   `json:"mac"`
}

func (a HeadAnswer) mac(key []byte) []byte {
	return stateMAC(key, "phala/agent-state/head/v1", a.Agent[:], binary.BigEndian.AppendUint64(nil, a.Epoch), a.Nonce[:],
		binary.BigEndian.AppendUint64(nil, a.Head.Seq), a.Head.Hash[:], a.Member[:])
}

// newHeadAnswer answers q with member's head.
func newHeadAnswer(key []byte, q StateQuery, member [32]byte, head Head) HeadAnswer {
	a := HeadAnswer{Agent: q.Agent, Epoch: q.Epoch, Nonce: q.Nonce, Head: head, Member: member}
	a.MAC = a.mac(key)
	return a
}

// answers says whether a is a genuine answer to q from a member other
// than self.
func (a HeadAnswer) answers(key []byte, q StateQuery, self [32]byte, isMember func([32]byte) bool) bool {
	return a.Agent == q.Agent && a.Epoch == q.Epoch && a.Nonce == q.Nonce && a.Member != self &&
		isMember(a.Member) && hmac.Equal(a.MAC, a.mac(key))
}

// AnswerHead answers another member's head query (a StateQuery) with
// this member's head of the agent, MACed under the agent's state key.
func (host *Host) AnswerHead(ctx context.Context, src chainsync.Source, raw []byte) ([]byte, error) {
	q, ac, err := host.admitQuery(ctx, src, raw, labelHeadQuery)
	if err != nil {
		return nil, err
	}
	host.mu.Lock()
	head, err := host.headOf(q.Agent)
	host.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return json.Marshal(newHeadAnswer(ac.key, q, host.core.ID(), head))
}

// confirmRead checks with a majority of the members (this one included)
// that none holds a write after base, the head a hop read; the caller
// holds the agent's lock. A member that cannot reach a majority, or finds
// it was behind, refuses the read, and one that was behind syncs before
// its next call.
func (host *Host) confirmRead(ctx context.Context, ac agentCluster, id [32]byte, base Head) error {
	self := host.core.ID()
	need := quorum(len(ac.members))
	if need <= 1 {
		return nil
	}
	q, err := newStateQuery(ac, labelHeadQuery, id, self)
	if err != nil {
		return err
	}
	host.mu.Lock()
	peers := host.peers
	host.mu.Unlock()
	seen := map[[32]byte]bool{}
	if peers != nil {
		raw, _ := json.Marshal(q)
		for _, b := range peers.Heads(ctx, ac.cluster, raw) {
			var a HeadAnswer
			if json.Unmarshal(b, &a) != nil || !a.answers(ac.key, q, self, ac.isMember) {
				continue
			}
			if a.Head.Seq > base.Seq {
				host.mu.Lock()
				host.setCurrent(id, false)
				host.mu.Unlock()
				return fmt.Errorf("%w: member %x is at sequence %d, the call read %d", ErrStateMoved, a.Member[:8], a.Head.Seq, base.Seq)
			}
			seen[a.Member] = true
		}
	}
	if got := 1 + len(seen); got < need {
		// Others may have moved on meanwhile: sync before the next call.
		host.mu.Lock()
		host.setCurrent(id, false)
		host.mu.Unlock()
		return fmt.Errorf("%w: %d of %d members confirmed the read at sequence %d, %d needed", ErrNoQuorum, got, len(ac.members), base.Seq, need)
	}
	return nil
}
