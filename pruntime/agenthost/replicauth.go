package agenthost

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// Member queries. A member asks the others for their state of an agent: a
// snapshot when it syncs, a head when it confirms a read. Answering a
// snapshot query loads the agent's whole state (up to 1 MiB of kv and its
// log) and seals it, so a query must come from another member of the
// agent's cluster: it is MACed under the agent's state key, which only the
// members hold, and names the member that asks. Each member may ask for
// at most snapshotQueryBudget snapshots a minute, since its host could
// replay a query it relayed; heads are answered from memory
// (host.heads), so they need no budget.

// ErrQueryRefused marks a state query that is not another member's.
var ErrQueryRefused = errors.New("agent state: query refused")

// StateQuery is a member's query for another member's head of an agent or
// its snapshot; Nonce makes an answer good for this query only.
type StateQuery struct {
	Agent  [32]byte `json:"agent"`
	Epoch  uint64   `json:"epoch"`
	Nonce  [16]byte `json:"nonce"`
	Member [32]byte `json:"member"`
	MAC    []byte   `json:"mac"`
}

// The MAC labels of the two kinds of query.
const (
	labelHeadQuery     = "phala/agent-state/head-query/v1"
	labelSnapshotQuery = "phala/agent-state/snapshot-query/v1"
)

// snapshotQueryBudget is how many snapshot queries each member may make to
// this one per minute: a member asks once per sync, and syncs after a
// restart, a partition or a failover.
const snapshotQueryBudget = 120

func (q StateQuery) mac(key []byte, label string) []byte {
	return stateMAC(key, label, q.Agent[:], binary.BigEndian.AppendUint64(nil, q.Epoch), q.Nonce[:], q.Member[:])
}

// newStateQuery makes member's query of kind label for the agent of ac.
func newStateQuery(ac agentCluster, label string, agent, member [32]byte) (StateQuery, error) {
	q := StateQuery{Agent: agent, Epoch: ac.epoch, Member: member}
	if _, err := rand.Read(q.Nonce[:]); err != nil {
		return q, err
	}
	q.MAC = q.mac(ac.key, label)
	return q, nil
}

// admitQuery decodes a query of kind label and checks that another member
// of the agent's cluster made it, at the agent's epoch; it returns the
// query and the agent's cluster.
func (host *Host) admitQuery(ctx context.Context, src chainsync.Source, raw []byte, label string) (StateQuery, agentCluster, error) {
	var q StateQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return q, agentCluster{}, fmt.Errorf("%w: %w", ErrQueryRefused, err)
	}
	ac, err := host.clusterOf(ctx, src, q.Agent, false)
	if err == nil && ac.epoch != q.Epoch {
		ac, err = host.clusterOf(ctx, src, q.Agent, true)
	}
	if err != nil {
		return q, ac, err
	}
	switch {
	case ac.epoch != q.Epoch:
		return q, ac, fmt.Errorf("%w: query of epoch %d, the agent's is %d", ErrForeignEpoch, q.Epoch, ac.epoch)
	case q.Member == host.core.ID() || !ac.isMember(q.Member):
		return q, ac, fmt.Errorf("%w: %x is not another member of the agent's cluster", ErrQueryRefused, q.Member[:8])
	case !hmac.Equal(q.MAC, q.mac(ac.key, label)):
		return q, ac, fmt.Errorf("%w: not MACed under the agent's state key", ErrQueryRefused)
	}
	return q, ac, nil
}

// takeSnapshotQuery counts one snapshot query of member, or refuses with
// core.ErrBusy when it has used this minute's budget.
func (host *Host) takeSnapshotQuery(member [32]byte) error {
	if ok, _ := host.snapshotQueries.Take(member, host.clock()); !ok {
		return fmt.Errorf("%w: member %x made %d snapshot queries this minute", core.ErrBusy, member[:8], snapshotQueryBudget)
	}
	return nil
}
