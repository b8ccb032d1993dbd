package chainsync_test

import (
	"bytes"
	"strings"
	"testing"

	rpcclient "github.com/cometbft/cometbft/rpc/client"

	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// TestStateProofDecodesLikeCometBFT: StateProof decodes the node's
// abci_query answers itself; for a present key, an absent key and a height
// the node no longer or not yet has, it must give what CometBFT's own
// client decodes from the same node, field for field.
func TestStateProofDecodesLikeCometBFT(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	h, err := netA.src.LatestHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h -= 2
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"present", accountKey(t, netA, "alice")},
		{"absent", balances.AccountKey(randomAddress(t))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, proof, err := netA.src.StateProof(ctx, tc.key, h)
			if err != nil {
				t.Fatal(err)
			}
			res, err := netA.rpc.ABCIQueryWithOptions(ctx, chainsync.PathStore, tc.key, rpcclient.ABCIQueryOptions{Height: h, Prove: true})
			if err != nil {
				t.Fatal(err)
			}
			want := res.Response
			if !bytes.Equal(v, want.Value) || (len(v) == 0) != (tc.name == "absent") {
				t.Fatalf("value %x, CometBFT's client decoded %x", v, want.Value)
			}
			if want.ProofOps == nil || len(proof.Ops) != len(want.ProofOps.Ops) || len(proof.Ops) == 0 {
				t.Fatalf("proof %v, CometBFT's client decoded %v", proof, want.ProofOps)
			}
			for i, op := range proof.Ops {
				w := want.ProofOps.Ops[i]
				if op.Type != w.Type || !bytes.Equal(op.Key, w.Key) || !bytes.Equal(op.Data, w.Data) {
					t.Fatalf("proof op %d differs from CometBFT's client's", i)
				}
			}
		})
	}
	_, _, err = netA.src.StateProof(ctx, accountKey(t, netA, "alice"), h+1000)
	if err == nil || !strings.Contains(err.Error(), "query /store at") {
		t.Fatalf("a height the node does not have: %v", err)
	}
}
