package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// TestCosmjsReadsBlocks has cosmjs, a third-party CometBFT RPC client, read
// a devnet's status and blocks, and checks it sees what the Go client sees.
func TestCosmjsReadsBlocks(t *testing.T) {
	nodeBin := ensureJSDeps(t)

	// The devnet runs as a child process: in-process, CometBFT would still be
	// saving its address book into the home when the test removes it.
	h := newHarness(t)
	home := filepath.Join(t.TempDir(), "devnet")
	dn := h.start("devnet", "devnet", "--home", home, "--rpc-port", "0", "--block-time", "300ms")
	url := dn.waitLine(reBannerRPC, 30*time.Second)[1]
	c := newClient(t, url)

	acc := openDevAccounts(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Send(ctx, acc.aliceKey, pha.Amount{}, "read by cosmjs", &balances.MsgTransfer{To: acc.bob, Amount: pha.Whole(1)})
	if err != nil {
		t.Fatalf("transfer: %v", err)
	}

	script := filepath.Join(repoRoot, "e2e", "js", "read-blocks.mjs")
	cmd := exec.CommandContext(ctx, nodeBin, script, url, strconv.FormatInt(res.Height, 10))
	cmd.Dir = filepath.Dir(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node read-blocks.mjs %s: %v\nstdout:\n%s\nstderr:\n%s", url, err, stdout.String(), stderr.String())
	}
	var got struct {
		ChainID      string   `json:"chainId"`
		Height       int64    `json:"height"`
		LatestHeight int64    `json:"latestHeight"`
		LatestHash   string   `json:"latestHash"`
		LatestTxs    []string `json:"latestTxs"`
		Block1Hash   string   `json:"block1Hash"`
		Blocks       map[string]struct {
			Hash    string   `json:"hash"`
			ChainID string   `json:"chainId"`
			Txs     []string `json:"txs"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("decode read-blocks.mjs output: %v\n%s", err, stdout.String())
	}
	t.Logf("cosmjs read: %s", bytes.TrimSpace(stdout.Bytes()))

	if got.ChainID != devnet.ChainID {
		t.Errorf("cosmjs chain id = %q, want %q", got.ChainID, devnet.ChainID)
	}
	if got.Height < res.Height || got.LatestHeight < got.Height {
		t.Errorf("cosmjs heights: status %d, latest block %d; the transfer is at %d", got.Height, got.LatestHeight, res.Height)
	}
	if want := blockHash(t, c, 1); got.Block1Hash != want {
		t.Errorf("cosmjs block 1 hash = %s, Go client reads %s", got.Block1Hash, want)
	}
	txBlock, ok := got.Blocks[strconv.FormatInt(res.Height, 10)]
	if !ok {
		t.Fatalf("cosmjs output has no block %d", res.Height)
	}
	if want := blockHash(t, c, res.Height); txBlock.Hash != want || txBlock.ChainID != devnet.ChainID {
		t.Errorf("cosmjs block %d = %s on %q, Go client reads %s on %q", res.Height, txBlock.Hash, txBlock.ChainID, want, devnet.ChainID)
	}
	if !slices.Contains(txBlock.Txs, res.Hash) {
		t.Errorf("cosmjs block %d has txs %v, want the transfer %s", res.Height, txBlock.Txs, res.Hash)
	}
	// The latest block cosmjs read, as the Go client reads it.
	lb, err := c.RPC.Block(ctx, &got.LatestHeight)
	if err != nil {
		t.Fatalf("block %d: %v", got.LatestHeight, err)
	}
	wantTxs := []string{}
	for _, tx := range lb.Block.Txs {
		wantTxs = append(wantTxs, fmt.Sprintf("%X", tx.Hash()))
	}
	if got.LatestHash != lb.BlockID.Hash.String() || !slices.Equal(got.LatestTxs, wantTxs) {
		t.Errorf("cosmjs latest block %d = %s with txs %v, Go client reads %s with txs %v",
			got.LatestHeight, got.LatestHash, got.LatestTxs, lb.BlockID.Hash, wantTxs)
	}
	dn.interrupt()
}

// ensureJSDeps makes sure node and e2e/js's npm packages are there, running
// scripts/install-test-deps.sh when npm can install them, and returns the
// node binary. Without npm it skips, except under CI (CI set), where the
// script installs Node.js itself and any failure fails the test.
func ensureJSDeps(t *testing.T) string {
	t.Helper()
	jsDir := filepath.Join(repoRoot, "e2e", "js")
	installed := fileExists(filepath.Join(jsDir, "node_modules", "@cosmjs", "tendermint-rpc", "package.json"))
	nodeBin, nodeErr := exec.LookPath("node")
	_, npmErr := exec.LookPath("npm")
	inCI := os.Getenv("CI") != ""
	if npmErr != nil && !inCI {
		if installed && nodeErr == nil {
			return nodeBin // installed earlier; nothing to refresh it with
		}
		t.Skip("needs Node.js and npm to run cosmjs: install them and run scripts/install-test-deps.sh (with CI set, this test installs them itself)")
	}
	// The script is quick when node_modules is already current.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(repoRoot, "scripts", "install-test-deps.sh"))
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/install-test-deps.sh: %v\n%s", err, out)
	}
	if !installed {
		t.Logf("installed e2e/js dependencies in %s:\n%s", time.Since(start).Round(time.Millisecond), out)
	}
	if nodeBin, nodeErr = exec.LookPath("node"); nodeErr != nil {
		t.Fatalf("node is missing after scripts/install-test-deps.sh: %v\n%s", nodeErr, out)
	}
	return nodeBin
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
