package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
)

// prunedChain is a one-validator network whose node keeps only the last
// 100 blocks and state versions and serves a state snapshot every
// interval heights, with transfers from alice to bob until it reaches
// height target.
type prunedChain struct {
	tn       *testnet
	val      *proc
	c        *client.Client
	acc      devAccounts
	sent     int
	latest   int64
	interval int64
}

func runPrunedChain(t *testing.T, h *harness, target int64, blockTime string, interval int) *prunedChain {
	t.Helper()
	p := &prunedChain{tn: h.initTestnet(1, blockTime), interval: int64(interval)}
	p.val = h.start("node0", "node", "--home", p.tn.homes[0], "--retain-blocks", "100", "--keep-versions", "100", "--snapshot-interval", strconv.Itoa(interval))
	p.c = p.tn.clients[0]
	waitHeight(t, p.c, 3, 60*time.Second, p.val)
	p.acc = openDevAccounts(t, p.tn.homes[0])
	tr := startTransfers(p.c, p.acc)
	waitHeight(t, p.c, target, 120*time.Second, p.val)
	p.sent = tr.stop()
	p.latest = mustHeight(t, p.c)
	return p
}

// transfers sends 1 PHA from alice to bob over and over until stop.
type transfers struct {
	load *loops
	sent int
}

func startTransfers(c *client.Client, acc devAccounts) *transfers {
	tr := &transfers{load: newLoops()}
	tr.load.run(func(int) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.Send(ctx, acc.aliceKey, pha.Amount{}, "", &balances.MsgTransfer{To: acc.bob, Amount: pha.Whole(1)})
		cancel()
		if err == nil {
			tr.sent++
		}
	})
	return tr
}

// stop ends the transfers and answers how many were accepted.
func (tr *transfers) stop() int {
	tr.load.stop()
	return tr.sent
}

// TestStateSyncJoin: a new node, given only the genesis, a peer and a
// trusted height, joins a pruned chain by state sync: it restores the app
// state from the validator's snapshot without the pruned blocks and
// reaches the same AppHash and balances.
func TestStateSyncJoin(t *testing.T) {
	h := newLongHarness(t, "runs two nodes")
	// Blocks slow enough that the snapshot's next heights are still kept
	// when the joiner's light client asks for them (discovery takes 5 s).
	p := runPrunedChain(t, h, 60, "100ms", 20)
	joiner, joinerURL := h.stateSyncHome(p)
	jn := h.start("joiner", "node", "--home", joiner, "--ops-listen", "none")
	jc := newClient(t, joinerURL)
	at := p.latest + 5
	waitHeight(t, jc, at, 60*time.Second, jn, p.val)
	earliest, at, appHash := sameAppHashAfterSync(t, p.c, jc, at, jn, p.val)
	if bal, bal0 := h.balance(joinerURL, p.acc.bob.String()), h.balance(p.tn.urls[0], p.acc.bob.String()); bal != bal0 || p.sent == 0 {
		t.Fatalf("bob's balance on the joiner %s, on the validator %s (%d transfers)", bal, bal0, p.sent)
	}
	t.Logf("joiner state-synced (earliest block %d); AppHash %s at %d", earliest, appHash, at)
}

// sameAppHashAfterSync checks that the node behind jc joined by state sync
// (its earliest block is not the first) and, once it is at height at or
// later, has the AppHash of the node behind c. The joiner restores the
// newest snapshot it finds, which a slow start can make newer than the
// height asked for, so the comparison is at a block it has.
func sameAppHashAfterSync(t *testing.T, c, jc *client.Client, at int64, procs ...*proc) (earliest, height int64, appHash string) {
	t.Helper()
	jst, err := jc.RPC.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	earliest = jst.SyncInfo.EarliestBlockHeight
	if earliest <= 1 {
		t.Fatalf("the joiner replayed from block %d: no state sync", earliest)
	}
	if at < earliest {
		at = earliest
		waitHeight(t, jc, at, 60*time.Second, procs...)
	}
	b0, err0 := c.RPC.Block(context.Background(), &at)
	b1, err1 := jc.RPC.Block(context.Background(), &at)
	if err0 != nil || err1 != nil || b0.Block.AppHash.String() != b1.Block.AppHash.String() {
		t.Fatalf("AppHash at %d: the first node %v %v, the joiner %v %v", at, b0, err0, b1, err1)
	}
	return earliest, at, b1.Block.AppHash.String()
}

func ptr[T any](v T) *T { return &v }

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// stateSyncHome writes the home of a new full node that joins tn by
// state sync: its own keys, tn's genesis, node0 as its peer and RPC
// servers, and node0's latest snapshot height as its trusted height.
func (h *harness) stateSyncHome(p *prunedChain) (home, url string) {
	tn, c := p.tn, p.c
	t := h.t
	t.Helper()
	home = filepath.Join(t.TempDir(), "joiner")
	h.mustRun("init", "--home", home, "--moniker", "joiner", "--keyring-backend", "test")
	gen, err := os.ReadFile(filepath.Join(tn.homes[0], "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", "genesis.json"), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	vcfg, err := node.Config(tn.homes[0])
	if err != nil {
		t.Fatal(err)
	}
	id, err := node.NodeID(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := node.Config(home)
	if err != nil {
		t.Fatal(err)
	}
	ports := freePortRange(t, 2)
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports)
	cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports+1)
	url = fmt.Sprintf("http://127.0.0.1:%d", ports+1)
	cfg.P2P.PersistentPeers = fmt.Sprintf("%s@127.0.0.1:%d", id, tn.base)
	cfg.Consensus.TimeoutCommit = vcfg.Consensus.TimeoutCommit
	enableStateSync(t, cfg, c, tn.urls[0], p.interval)
	if err := node.WriteConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	return home, url
}

// enableStateSync makes cfg's node join by state sync from the node
// behind c (RPC at rpc), trusting its latest height that is a multiple of
// interval (its latest snapshot).
func enableStateSync(t *testing.T, cfg *cmtcfg.Config, c *client.Client, rpc string, interval int64) {
	t.Helper()
	st, err := c.RPC.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	trust := st.SyncInfo.LatestBlockHeight - st.SyncInfo.LatestBlockHeight%interval
	blk, err := c.RPC.Block(context.Background(), &trust)
	if err != nil {
		t.Fatal(err)
	}
	cfg.StateSync.Enable = true
	cfg.StateSync.RPCServers = []string{rpc, rpc}
	cfg.StateSync.TrustHeight = trust
	cfg.StateSync.TrustHash = hex.EncodeToString(blk.BlockID.Hash)
	cfg.StateSync.TrustPeriod = 168 * time.Hour
	cfg.StateSync.DiscoveryTime = 5 * time.Second
	t.Logf("%s trusts height %s", cfg.Moniker, strconv.FormatInt(trust, 10))
}
