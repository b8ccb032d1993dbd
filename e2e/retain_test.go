package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/tee"
)

// TestRetainBlocksBoundsDisk runs a devnet whose node keeps only the last
// 100 blocks (--retain-blocks 100; a gatekeeper, a cluster of one worker,
// the gateway) for about 1,000 short blocks of mixed traffic: transfers,
// commands to a token contract and, for the first 300 blocks, paid agent
// calls through the gateway.
// The node keeps only the last blocks (block 1 is gone, its block store
// stays small). A `phala worker` process started then, with a home of its
// own and no sealed checkpoint, cannot verify the chain from genesis: it
// joins from the gatekeeper's signed checkpoint, registers, is added to the
// cluster and serves the token's state as the old member has it and an
// agent call. `phala contract query` still reads from the devnet home,
// whose kept light-client root is in a pruned block.
func TestRetainBlocksBoundsDisk(t *testing.T) {
	h := newLongHarness(t, "runs about 1,000 blocks")
	begin := time.Now()
	n := h.startAgentDevnet("--block-time", "10ms", "--retain-blocks", "100", "--workers", "2")
	c := newClient(t, n.url)
	kr := cliFlags(n.home, n.url)
	acc := openDevAccounts(t, n.home)
	cluster := [32]byte(mustHex(t, n.cluster))
	member := clusterMember(t, c, cluster)

	token := h.deployToken(n.home, n.url, n.cluster, 1000, n.dn)
	carol := devKeys(t, n.home, "carol")[0]
	h.mustRun(append([]string{"contract", "exec", token, `{"transfer":{"to":"` + address.FromPubKey(carol.Public().(ed25519.PublicKey)).String() + `","amount":500}}`, "--from", "alice"}, kr...)...)
	calls := startAgentLoad(t, h, n.home, n.url, n.gw, cluster, 1, n.dn)
	tr := startTransfers(c, acc)
	cmds := startTokenCommands(c, carol, [32]byte(mustHex(t, token)), acc.bob)
	t.Logf("traffic from height %d, %s after the start", mustHeight(t, c), time.Since(begin).Round(time.Second))
	// Agent calls, each verified with proven reads, are the costliest
	// traffic: they run for the first few hundred blocks only, so the
	// blocks keep their pace on a loaded machine.
	waitHeight(t, c, 300, 2*time.Minute, n.dn)
	calls.stop(t)

	var earliest, latest int64
	waitFor(t, 5*time.Minute, "1,000 blocks with block 1 pruned", func() (bool, error) {
		st, err := c.RPC.Status(context.Background())
		if err != nil {
			return false, err
		}
		latest, earliest = st.SyncInfo.LatestBlockHeight, st.SyncInfo.EarliestBlockHeight
		return latest >= 1000 && earliest > 1, nil
	}, n.dn)
	late := h.start("late-worker", simWorkerArgs(filepath.Join(t.TempDir(), "late"), n.home, n.url, "bob")...)
	lateID := late.waitLine(reWorkerID, 2*time.Minute)[1]
	rec := h.waitWorker(n.url, lateID, tee.KindSim, n.dn, late)
	sent, commands := tr.stop(), cmds.stop()
	t.Logf("at height %d (earliest block %d), %s after the start: %d transfers, %d token commands, %d agent calls", latest, earliest,
		time.Since(begin).Round(time.Second), sent, commands, calls.answered())
	checkPruned(t, c, n.home, sent, commands, calls.answered())
	if log := tailFile(late.stderrPath, 1<<20); !strings.Contains(log, "light client starts from a checkpoint the gatekeepers signed") {
		t.Fatalf("the late worker did not start from a signed checkpoint:\n%s", log)
	}

	h.mustRun(append([]string{"cluster", "add", n.cluster, lateID, "--from", "alice"}, kr...)...)
	waitFor(t, 60*time.Second, "the late worker to hold the cluster key", func() (bool, error) {
		cl, err := c.Cluster(context.Background(), cluster)
		return err == nil && cl.Holds([32]byte(mustHex(t, lateID))), err
	}, n.dn, late)
	balance := sameTokenState(t, c, acc, [32]byte(mustHex(t, token)), member, [32]byte(mustHex(t, lateID)), commands, n.dn, late)
	// The CLI's light client kept its root in the devnet home when the
	// token was deployed, in a block the node has pruned since: it goes on
	// from the light block kept with that root.
	if out := strings.TrimSpace(h.mustRun(append([]string{"contract", "query", token, `{}`, "--from", "bob"}, kr...)...)); out != balance {
		t.Fatalf("phala contract query after pruning: %q, the members answer %s", out, balance)
	}
	r, err := c.CallAgent(t.Context(), carol, rec.Endpoint, calls.agent, "POST", "/", []byte("late"))
	if err != nil || r.Status != 200 || hex.EncodeToString(r.Answer.Worker[:]) != lateID {
		t.Fatalf("agent call on the late worker: %v %+v", err, r)
	}
}

// checkPruned checks that the node behind c, whose home is home, pruned
// block 1 and keeps a small block store after the traffic counted.
func checkPruned(t *testing.T, c *client.Client, home string, counts ...int) {
	t.Helper()
	st, err := c.RPC.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	latest, earliest := st.SyncInfo.LatestBlockHeight, st.SyncInfo.EarliestBlockHeight
	for _, n := range counts {
		if n == 0 {
			t.Fatalf("a kind of traffic never went through: %v", counts)
		}
	}
	if earliest < latest-150 {
		t.Fatalf("retain-blocks 100: earliest block %d at height %d", earliest, latest)
	}
	if _, err := c.RPC.Block(context.Background(), ptr(int64(1))); err == nil {
		t.Fatal("block 1 still served after pruning")
	}
	if size := dirSize(t, filepath.Join(home, "data", "blockstore.db")); size > 8<<20 {
		t.Fatalf("block store of %d bytes after pruning to 100 blocks", size)
	}
}

// clusterMember is the first member of cluster.
func clusterMember(t *testing.T, c *client.Client, cluster [32]byte) [32]byte {
	t.Helper()
	cl, err := c.Cluster(context.Background(), cluster)
	if err != nil || len(cl.Members) == 0 {
		t.Fatalf("cluster %x: %v %+v", cluster[:4], err, cl)
	}
	return [32]byte(cl.Members[0])
}

// sameTokenState waits until the token's two replicas, on workers a and
// b, answer bob's balance alike, checks that every command counted moved
// a token to him, and returns the balance.
func sameTokenState(t *testing.T, c *client.Client, acc devAccounts, token, a, b [32]byte, commands int, procs ...*proc) string {
	t.Helper()
	bob, err := acc.kr.PrivKey("bob")
	if err != nil {
		t.Fatal(err)
	}
	var va, vb string
	waitFor(t, 60*time.Second, "both members to answer bob's token balance alike", func() (bool, error) {
		ra, err := c.QueryContract(context.Background(), bob, token, json.RawMessage(`{}`), a)
		if err != nil {
			return false, err
		}
		rb, err := c.QueryContract(context.Background(), bob, token, json.RawMessage(`{}`), b)
		if err != nil {
			return false, err
		}
		va, vb = string(ra.Value), string(rb.Value)
		return va == vb, nil
	}, procs...)
	var got int
	if _, err := fmt.Sscan(va, &got); err != nil || got < commands {
		t.Fatalf("bob holds %q tokens after %d commands", va, commands)
	}
	t.Logf("both members answer bob's balance %s", vb)
	return vb
}

// tokenCommands sends one token from a key to an address over and over,
// each command waiting for its result, until stop.
type tokenCommands struct {
	load *loops
	mu   sync.Mutex
	ok   int
}

func startTokenCommands(c *client.Client, key ed25519.PrivateKey, token [32]byte, to address.Address) *tokenCommands {
	tc := &tokenCommands{load: newLoops()}
	payload := json.RawMessage(`{"transfer":{"to":"` + to.String() + `","amount":1}}`)
	tc.load.run(func(int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := c.Exec(ctx, key, token, payload, 0)
		if err != nil {
			return
		}
		if r, err := c.WaitResult(ctx, s); err == nil && r.OK {
			tc.mu.Lock()
			tc.ok++
			tc.mu.Unlock()
		}
	})
	return tc
}

// stop ends the commands and answers how many ran.
func (tc *tokenCommands) stop() int {
	tc.load.stop()
	return tc.ok
}
