package worker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/worker"
)

// evmStatus values of PhalaAnchor.Status.
const (
	evmPending  = 1
	evmAnswered = 2
)

// TestEVMBridge: a PriceOracle on the devnet's EVM chain asks a TypeScript
// agent of the devnet's two-member cluster. A request for an agent its
// owner has not bridged is refused in the enclave, naming the check; once
// bridged, a member answers it (getting its answer key authorized by the
// gatekeeper), the consumer's state shows the answer and the payment goes
// to the member's relayer. With the member whose turn it is stopped, the
// other takes over; a copied answer is refused by the anchor.
func TestEVMBridge(t *testing.T) {
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1, Cluster: true, EVM: true}, logs)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	cl := waitFullCluster(t, c, 2)
	agent := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/oracle.ts", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}

	ec, err := ethclient.DialContext(ctx, d.EVM.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	master, gen := evmMasterOf(t, c, d.Workers[0].Endpoint())
	deployer := evmOpts(t, d, "deployer")
	addr, tx, oracle, err := bindings.DeployPriceOracle(deployer, ec, master, gen, agent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bind.WaitDeployed(ctx, ec, tx); err != nil {
		t.Fatal(err)
	}
	requester := evmOpts(t, d, "requester")
	ask := func(pair string) *big.Int {
		t.Helper()
		o := *requester
		o.Value = big.NewInt(1e15)
		tx, err := oracle.Ask(&o, pair, 300)
		if err != nil {
			t.Fatal(err)
		}
		r, err := bind.WaitMined(ctx, ec, tx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range r.Logs {
			if ev, err := oracle.ParseAgentRequest(*l); err == nil {
				return ev.Id
			}
		}
		t.Fatal("no AgentRequest")
		return nil
	}
	status := func(id *big.Int) uint8 {
		r, err := oracle.Requests(nil, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}

	// Not bridged: the members refuse in the enclave and the request stays
	// pending.
	first := ask("ETH/USD")
	devnettest.Eventually(t, "the enclave's refusal of an agent not bridged", 30*time.Second, func() (bool, error) {
		return bytes.Contains(logs.Bytes(), []byte("is not bridged: its owner set no "+agenthost.SecretEVMAPIKey)), nil
	})
	if s := status(first); s != evmPending {
		t.Fatalf("request %s status %d after the refusal, want pending", first, s)
	}

	// Bridged: an API key of the owner, sealed into the agent's secrets.
	apiKey := make([]byte, 16)
	rand.Read(apiKey)
	key := "phk-" + hex.EncodeToString(apiKey)
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(key)), Agent: agent}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAgentSecrets(ctx, alice, agent, map[string]string{agenthost.SecretEVMAPIKey: key}); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "the first request's answer", 60*time.Second, func() (bool, error) { return status(first) == evmAnswered, nil })
	if got, _ := oracle.Answers(nil, first); string(got) != "ETH/USD:3150.25" {
		t.Fatalf("answer %q", got)
	}
	if got, _ := oracle.Latest(nil, "ETH/USD"); string(got) != "ETH/USD:3150.25" {
		t.Fatalf("latest ETH/USD %q", got)
	}
	relayers := map[common.Address]bool{evmAccount(t, d, "relayer"): true, evmAccount(t, d, "relayer2"): true}
	ans1 := evmAnswerEvent(t, oracle, first)
	if !relayers[ans1.Relayer] {
		t.Fatalf("answer relayed by %s, not a member's relayer", ans1.Relayer.Hex())
	}
	if bal, _ := ec.BalanceAt(ctx, addr, nil); bal.Sign() != 0 {
		t.Fatalf("the anchor kept %s wei: the payment did not go to the relayer", bal)
	}

	// A copy of the landed answer, submitted again by anyone: NotPending.
	ansTx, _, err := ec.TransactionByHash(ctx, ans1.Raw.TxHash)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ec.CallContract(ctx, ethereum.CallMsg{From: ans1.Relayer, To: &addr, Data: ansTx.Data()}, nil)
	if r := bindings.Refusal(err); !strings.HasPrefix(r, "NotPending(") {
		t.Fatalf("second answer: refusal %q (%v), want NotPending", r, err)
	}

	// Take-over: the member whose turn the next request is stops.
	next, _ := oracle.NextRequestId(nil)
	turn := cl.Members[new(big.Int).Mod(next, big.NewInt(int64(len(cl.Members)))).Int64()]
	for _, w := range d.Workers {
		if id := w.ID(); bytes.Equal(id[:], turn) {
			if err := w.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	second := ask("BTC/USD")
	devnettest.Eventually(t, "the stand-by member's answer", 60*time.Second, func() (bool, error) { return status(second) == evmAnswered, nil })
	if got, _ := oracle.Latest(nil, "BTC/USD"); string(got) != "BTC/USD:97000.50" {
		t.Fatalf("latest BTC/USD %q", got)
	}
	if ans2 := evmAnswerEvent(t, oracle, second); !relayers[ans2.Relayer] {
		t.Fatalf("take-over answer relayed by %s", ans2.Relayer.Hex())
	}
	if bytes.Contains(logs.Bytes(), []byte("evm bridge step failed")) {
		t.Logf("bridge step failures were logged (retried)")
	}
}

// waitFullCluster waits until the devnet's cluster has n members, all
// holding its key.
func waitFullCluster(t *testing.T, c *client.Client, n int) clusters.Cluster {
	t.Helper()
	var cl clusters.Cluster
	devnettest.Eventually(t, "the devnet cluster's members to hold its key", 60*time.Second, func() (bool, error) {
		var list []clusters.Cluster
		_, err := c.Query(context.Background(), "/clusters/list", &list)
		if len(list) == 1 {
			cl = list[0]
		}
		return len(list) == 1 && len(cl.Members) == n && len(cl.Holders) == n, err
	})
	return cl
}

// evmMasterOf reads the chain's master-key generation and asks the
// gatekeeper at endpoint for its master EVM address.
func evmMasterOf(t *testing.T, c *client.Client, endpoint string) (common.Address, uint64) {
	t.Helper()
	var gen uint64
	devnettest.Eventually(t, "the master key", 60*time.Second, func() (bool, error) {
		ks, err := c.KeyState(context.Background())
		if err != nil || ks.Generation == nil {
			return false, err
		}
		gen = ks.Generation.Number
		return true, nil
	})
	var s worker.EVMSigned
	devnettest.Eventually(t, "the gatekeeper's master EVM address", 30*time.Second, func() (bool, error) {
		resp, err := http.Get(endpoint + strings.Replace(worker.PathEVMMaster, "{gen}", big.NewInt(int64(gen)).String(), 1))
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&s) == nil, nil
	})
	return s.Key, gen
}

func evmAccount(t *testing.T, d *devnet.Devnet, name string) common.Address {
	t.Helper()
	a, ok := d.EVM.Account(name)
	if !ok {
		t.Fatalf("no dev account %s", name)
	}
	return a.Address
}

func evmOpts(t *testing.T, d *devnet.Devnet, name string) *bind.TransactOpts {
	t.Helper()
	a, _ := d.EVM.Account(name)
	o, err := bind.NewKeyedTransactorWithChainID(a.Key, big.NewInt(devchain.ChainID))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// evmAnswerEvent is the AgentAnswer of request id.
func evmAnswerEvent(t *testing.T, o *bindings.PriceOracle, id *big.Int) *bindings.PriceOracleAgentAnswer {
	t.Helper()
	it, err := o.FilterAgentAnswer(&bind.FilterOpts{}, []*big.Int{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.Next() {
		t.Fatalf("no AgentAnswer for request %s", id)
	}
	return it.Event
}
