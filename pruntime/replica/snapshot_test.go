package replica

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/core"
)

// chainCore is the chain as a joiner's enclave has verified it: state
// records by key and the clusters. Opening a snapshot returns its
// ciphertext as the body; the seal itself is the core's (snapshotseal.go)
// and the end-to-end test drives it.
type chainCore struct {
	Core
	me       [32]byte
	state    map[string][]byte
	clusters []clusters.Cluster
}

func (c *chainCore) ID() registry.WorkerID { return registry.WorkerID(c.me) }

func (c *chainCore) Cached(_ context.Context, _ chainsync.Source, key []byte) ([]byte, int64, error) {
	return c.state[string(key)], 10, nil
}

func (c *chainCore) Clusters(context.Context, chainsync.Source) ([]clusters.Cluster, error) {
	return c.clusters, nil
}

func (c *chainCore) OpenSnapshot(s core.SealedSnapshot) ([]byte, error) {
	if s.Header.To != c.me {
		return nil, core.ErrSnapshotRecipient
	}
	return s.Ciphertext, nil
}

// TestImportSnapshotRefusals: what a hostile host (or a removed member)
// hands a late joiner as a contract's state is refused, each with the
// check that failed, before anything is written.
func TestImportSnapshotRefusals(t *testing.T) {
	var me, member, outsider, cid, id [32]byte
	me[0], member[0], outsider[0], cid[0], id[0] = 1, 2, 3, 4, 5
	rootKey := make([]byte, 32)
	rootKey[0] = 9
	st := contractstate.New()
	st.Set("balance", []byte(`950`))
	good := st.Root(rootKey)
	bad := contractstate.New()
	bad.Set("balance", []byte(`1000000`))

	rec := contracts.Contract{ID: id[:], Kind: contracts.KindContract, Cluster: cid[:], Inputs: 51, KeyEpoch: 2}
	cl := clusters.Cluster{ID: cid[:], Epoch: 2, Members: []keys.Hex{me[:], member[:]}}
	chain := &chainCore{me: me, clusters: []clusters.Cluster{cl}, state: map[string][]byte{
		string(contracts.ContractKey(id)):  mustJSON(t, rec),
		string(contracts.RootsKey(id, 50)): mustJSON(t, contracts.RootReport{Input: 50, Majority: good[:]}),
		string(contracts.RootsKey(id, 49)): mustJSON(t, contracts.RootReport{Input: 49}),
	}}
	r := New(chain, nil, nil, nil)
	snap := func(from [32]byte, epoch, pos uint64, s *contractstate.State) core.SealedSnapshot {
		body := snapshotBody{NextInput: pos, RootKey: rootKey, Entries: map[string][]byte{}}
		for _, k := range s.Keys("") {
			body.Entries[k] = s.Get(k)
		}
		return core.SealedSnapshot{
			Header:     core.SnapshotHeader{Kind: SnapshotKindContract, Cluster: cid, Epoch: epoch, Subject: id, From: from, To: me, Position: pos},
			Ciphertext: mustJSON(t, body),
		}
	}
	cases := []struct {
		name string
		snap core.SealedSnapshot
		want error
		text string
	}{
		{"from a non-member", snap(outsider, 2, 51, st), core.ErrSnapshotNotMember, "snapshot-member"},
		{"from itself", snap(me, 2, 51, st), core.ErrSnapshotNotMember, "snapshot-member"},
		{"for an earlier epoch (a removed member's)", snap(member, 1, 51, st), core.ErrSnapshotEpoch, "snapshot-epoch"},
		{"for a later epoch", snap(member, 3, 51, st), core.ErrSnapshotEpoch, "snapshot-epoch"},
		{"state not matching the on-chain root", snap(member, 2, 51, bad), core.ErrSnapshotRoot, "snapshot-root"},
		{"at an input with no majority root", snap(member, 2, 50, st), core.ErrSnapshotRoot, "no majority root"},
		{"past the chain's inputs", snap(member, 2, 52, st), core.ErrSnapshotSeal, "snapshot-seal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := r.ImportSnapshot(context.Background(), nil, tc.snap)
			if !errors.Is(err, tc.want) || !contains(err.Error(), tc.text) {
				t.Fatalf("import: %v, want %v naming %q", err, tc.want, tc.text)
			}
			if len(r.running) != 0 {
				t.Fatalf("a refused snapshot left a running contract")
			}
		})
	}
	relabeled := snap(member, 2, 51, st)
	relabeled.Header.To = outsider
	if err := r.ImportSnapshot(context.Background(), nil, relabeled); !errors.Is(err, core.ErrSnapshotRecipient) {
		t.Fatalf("snapshot for another worker: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
