package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/evm/bindings"
)

// TestEVMMemberKilled: the two members of a bridged agent's cluster are
// separate `phala worker` processes, each relaying from its own EVM
// account. Twice, the member whose turn the next request is gets SIGKILL
// before the request is made (the second time the other member, after the
// first came back): the surviving member answers after its take-over
// timeout, the answer lands from the survivor's relayer, and exactly one
// answer lands for the request.
func TestEVMMemberKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet with an EVM chain and two worker processes")
	}
	h := newHarness(t)
	relayerOf := []string{"relayer", "relayer2"}
	cw := startClusterWorkersWith(t, h, 2, []string{"--evm"}, func(home string, i int) []string {
		rpc, err := os.ReadFile(filepath.Join(home, "evm", devnet.EVMRPCFile))
		if err != nil {
			t.Fatal(err)
		}
		return []string{"--evm-rpc", strings.TrimSpace(string(rpc)), "--evm-chain-id", "1337",
			"--evm-relayer-key", evmKeyFile(t, home, relayerOf[i])}
	})
	common := cw.kr
	cid := hex.EncodeToString(cw.cluster.ID)
	agent := deployOracleAgent(t, h, common, cw.dn, "--cluster", cid)
	h.mustRun(append([]string{"evm", "deploy-anchor", "--agent", agent}, common...)...)
	h.mustRun(append([]string{"evm", "bridge", agent, "--from", "alice"}, common...)...)
	request := func(pair string) (id string, took time.Duration) {
		var got struct{ ID, Answer string }
		start := time.Now()
		h.mustRunJSON(&got, append([]string{"evm", "request", pair, "--value", "1000", "--wait", "90s"}, common...)...)
		if !strings.HasPrefix(got.Answer, pair+":") {
			t.Fatalf("request %s answered %q", got.ID, got.Answer)
		}
		return got.ID, time.Since(start)
	}
	first, took := request("ETH/USD")
	t.Logf("request %s answered in %s with both members up", first, took)

	oracle, ec, anchor := openEVMAnchor(t, cw.home)
	for _, pair := range []string{"BTC/USD", "ETH/USD"} {
		next, err := oracle.NextRequestId(nil)
		if err != nil {
			t.Fatal(err)
		}
		n := int64(len(cw.cluster.Members))
		turn := hex.EncodeToString(cw.cluster.Members[new(big.Int).Mod(next, big.NewInt(n)).Int64()])
		i := cw.index(turn)
		cw.workers[i].kill()
		t.Logf("killed w%d (worker %s), whose turn request %s is", i+1, turn[:8], next)
		id, took := request(pair)
		if id != next.String() {
			t.Fatalf("request id %s, want %s", id, next)
		}
		other := 1 - i
		survivor := evmDevAddress(t, cw.home, relayerOf[other])
		answers := evmAnswers(t, oracle, next)
		if len(answers) != 1 || answers[0].Relayer != survivor {
			t.Fatalf("request %s: answers %s, want exactly one from the survivor's relayer %s", next, relayersOf(answers), survivor.Hex())
		}
		t.Logf("request %s answered by w%d's relayer in %s (take-over)", next, other+1, took)
		if bal, err := ec.BalanceAt(t.Context(), answers[0].Raw.Address, nil); err != nil || bal.Sign() != 0 {
			t.Fatalf("the anchor holds %v wei (%v) after the answer: the payment did not go to the relayer", bal, err)
		}
		// Back on its home, so the other member can be killed next.
		cw.restart(t, h, i)
	}
	checkEVMExplorer(t, cw.gw, agent, anchor, oracle, 3)
	checkEVMPage(t, cw.gw, agent, 3)
}

// checkEVMPage opens the explorer's EVM page in headless Chromium
// (e2e/js/explorer-evm.mjs) when the browser is installed (CI requires it).
func checkEVMPage(t *testing.T, gw, agent string, n int) {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil || !fileExists(chromiumPath) || !fileExists(filepath.Join(repoRoot, "e2e", "js", "node_modules", "playwright-core", "package.json")) {
		if os.Getenv("CI") != "" {
			t.Fatal("node, chromium or playwright-core is missing after scripts/install-test-deps.sh")
		}
		t.Log("the EVM page was not opened in a browser: node, chromium or playwright-core is missing")
		return
	}
	shots := filepath.Join(t.TempDir(), "screenshots")
	exp, _ := json.Marshal(map[string]any{"agent": agent, "requests": n})
	script := filepath.Join(repoRoot, "e2e", "js", "explorer-evm.mjs")
	cmd := exec.CommandContext(t.Context(), nodeBin, script, gw+"/explorer/", shots, string(exp))
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	out, err := cmd.Output()
	saveArtifacts(t, shots)
	if err != nil {
		t.Fatalf("explorer-evm.mjs: %v\n%s", err, out)
	}
}

// checkEVMExplorer reads the devnet explorer's EVM view and checks it
// lists the agent under its anchor and the last n requests, newest first,
// each answered with the answer's transaction and block as the anchor's
// events have them.
func checkEVMExplorer(t *testing.T, gw, agent string, anchor common.Address, oracle *bindings.PriceOracle, n int) {
	t.Helper()
	resp, err := http.Get(gw + "/explorer/api/evm")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Enabled bool   `json:"enabled"`
		ChainID string `json:"chain_id"`
		Agents  []struct {
			Agent, Anchor, ChainID string
			OnChain                bool `json:"on_chain"`
		} `json:"agents"`
		Requests []struct {
			ID, Agent, Status string
			AnswerTx          string `json:"answer_tx"`
			Block             uint64 `json:"block"`
			AnswerBlock       uint64 `json:"answer_block"`
			BlocksToAnswer    uint64 `json:"blocks_to_answer"`
			Relayer           string `json:"relayer"`
		} `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("explorer evm view: %s %v", resp.Status, err)
	}
	if !v.Enabled || v.ChainID != "1337" || len(v.Agents) != 1 || v.Agents[0].Agent != agent || !v.Agents[0].OnChain || v.Agents[0].Anchor != anchor.Hex() {
		t.Fatalf("explorer evm view: %+v, want agent %s of anchor %s on chain 1337", v, agent, anchor.Hex())
	}
	if len(v.Requests) != n {
		t.Fatalf("explorer lists %d requests, want %d", len(v.Requests), n)
	}
	for i, q := range v.Requests {
		id := big.NewInt(int64(n - i))
		ans := evmAnswers(t, oracle, id)
		if q.ID != id.String() || q.Status != "answered" || q.Agent != agent || len(ans) != 1 || q.AnswerTx != ans[0].Raw.TxHash.Hex() ||
			q.AnswerBlock != ans[0].Raw.BlockNumber || q.BlocksToAnswer != q.AnswerBlock-q.Block || q.Relayer != ans[0].Relayer.Hex() {
			t.Fatalf("explorer request %d: %+v; the anchor's answer events: %d", i, q, len(ans))
		}
	}
}

// evmDevKeys are the devnet's EVM dev accounts' hex keys by name.
func evmDevKeys(t *testing.T, home string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(home, "evm", "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]string
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatalf("accounts.json: %v", err)
	}
	return keys
}

// evmKeyFile writes the dev account name's key to a file for
// --evm-relayer-key.
func evmKeyFile(t *testing.T, home, name string) string {
	t.Helper()
	path := filepath.Join(filepath.Dir(home), name+".key")
	if err := os.WriteFile(path, []byte(evmDevKeys(t, home)[name]), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// evmDevAddress is the dev account name's address.
func evmDevAddress(t *testing.T, home, name string) common.Address {
	t.Helper()
	k, err := crypto.HexToECDSA(strings.TrimPrefix(evmDevKeys(t, home)[name], "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(k.PublicKey)
}

// openEVMAnchor binds the anchor phala evm deploy-anchor recorded.
func openEVMAnchor(t *testing.T, home string) (*bindings.PriceOracle, *ethclient.Client, common.Address) {
	t.Helper()
	rpc, _ := os.ReadFile(filepath.Join(home, "evm", devnet.EVMRPCFile))
	addr, _ := os.ReadFile(filepath.Join(home, "evm", devnet.EVMAnchorFile))
	ec, err := ethclient.Dial(strings.TrimSpace(string(rpc)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	anchor := common.HexToAddress(strings.TrimSpace(string(addr)))
	o, err := bindings.NewPriceOracle(anchor, ec)
	if err != nil {
		t.Fatal(err)
	}
	return o, ec, anchor
}

// evmAnswers are the AgentAnswer events of request id.
func evmAnswers(t *testing.T, o *bindings.PriceOracle, id *big.Int) []*bindings.PriceOracleAgentAnswer {
	t.Helper()
	it, err := o.FilterAgentAnswer(&bind.FilterOpts{}, []*big.Int{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []*bindings.PriceOracleAgentAnswer
	for it.Next() {
		out = append(out, it.Event)
	}
	return out
}

func relayersOf(as []*bindings.PriceOracleAgentAnswer) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Relayer.Hex())
	}
	return fmt.Sprint(s)
}
