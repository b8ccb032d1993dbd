package worker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/evm/anchorsig"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/agenthost"
)

// evmEnv is a devnet with an EVM dev chain, a two-member cluster that
// bridges it, a bridged agent and a PriceOracle asking it.
type evmEnv struct {
	t      *testing.T
	logs   *lockedBuffer
	d      *devnet.Devnet
	c      *client.Client
	ec     *ethclient.Client
	addr   common.Address
	oracle *bindings.PriceOracle
	agent  [32]byte
	apiKey string
}

// newEVMEnv deploys the agent in file, bridges it with the API key sealed
// beside extra secrets, and deploys a PriceOracle trusting the master EVM
// key of the current generation.
func newEVMEnv(t *testing.T, file string, extra map[string]string) *evmEnv {
	e := &evmEnv{t: t, logs: &lockedBuffer{}}
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1, Cluster: true, EVM: true, BlockTime: 100 * time.Millisecond * raceBlockSlowdown}, e.logs)
	t.Cleanup(func() {
		if t.Failed() { // the bridge's refusals and retries, for the failure
			t.Logf("evm bridge log lines:\n%s", grepLines(e.logs.Bytes(), "evm"))
		}
	})
	e.d, e.c = d, c
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	cl := waitFullCluster(t, c, 2)
	e.agent = deployAgentFile(t, c, alice, [32]byte(cl.ID), file, agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	e.apiKey = "phk-" + hex.EncodeToString(raw)
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(e.apiKey)), Agent: e.agent}); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{agenthost.SecretEVMAPIKey: e.apiKey}
	for k, v := range extra {
		secrets[k] = v
	}
	if _, err := c.SetAgentSecrets(ctx, alice, e.agent, secrets); err != nil {
		t.Fatal(err)
	}
	ec, err := ethclient.DialContext(ctx, d.EVM.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	e.ec = ec
	master, gen := evmMasterOf(t, c, d.Workers[0].Endpoint())
	addr, tx, oracle, err := bindings.DeployPriceOracle(evmOpts(t, d, "deployer"), ec, master, gen, e.agent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bind.WaitDeployed(ctx, ec, tx); err != nil {
		t.Fatal(err)
	}
	e.addr, e.oracle = addr, oracle
	return e
}

// ask makes a paid request about pair and returns its id.
func (e *evmEnv) ask(pair string) *big.Int {
	e.t.Helper()
	o := *evmOpts(e.t, e.d, "requester")
	o.Value = big.NewInt(1e15)
	tx, err := e.oracle.Ask(&o, pair, 300)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := bind.WaitMined(context.Background(), e.ec, tx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range r.Logs {
		if ev, err := e.oracle.ParseAgentRequest(*l); err == nil {
			return ev.Id
		}
	}
	e.t.Fatal("no AgentRequest")
	return nil
}

// answered waits until request id is answered and returns the answer.
func (e *evmEnv) answered(what string, id *big.Int) string {
	e.t.Helper()
	devnettest.Eventually(e.t, what, 90*time.Second*raceBlockSlowdown, func() (bool, error) {
		r, err := e.oracle.Requests(nil, id)
		return err == nil && r.Status == evmAnswered, err
	})
	got, err := e.oracle.Answers(nil, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(got)
}

// TestEVMBridgeRotation: a master-key rotation on the chain, with the
// bridge running, hands the anchor over to the new generation's master
// EVM key on a signature of the old one, and a request made after it is
// answered by a key the new master authorized. The agent (evmspy.js)
// answers with every secret its handler sees: the bridge's payment key
// must not be among them, while the owner's other secrets are.
func TestEVMBridgeRotation(t *testing.T) {
	e := newEVMEnv(t, "testdata/agents/evmspy.js", map[string]string{"OTHER": "visible"})
	ctx := context.Background()
	c := e.c

	first := e.ask("ETH/USD")
	got := e.answered("the answer under generation 0", first)
	if strings.Contains(got, e.apiKey) || strings.Contains(got, agenthost.SecretEVMAPIKey) {
		t.Fatalf("the agent's handler read the bridge's payment key: it answered %q", got)
	}
	if got != "ETH/USD:OTHER=visible" {
		t.Fatalf("answer %q, want the pair and the owner's other secret", got)
	}
	oldMaster, err := e.oracle.MasterSigner(nil)
	if err != nil {
		t.Fatal(err)
	}

	auth, _ := e.d.Keyring.PrivKey(devnet.AuthorityAccount)
	if _, err := c.Send(ctx, auth, pha.Amount{}, "", &keys.MsgRotate{}); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "generation 1 on the chain", 60*time.Second, func() (bool, error) {
		st := keyState(c)
		return st.Generation != nil && st.Generation.Number == 1, nil
	})
	newMaster, _ := evmMasterOf(t, c, e.d.Workers[0].Endpoint())
	if newMaster == oldMaster {
		t.Fatalf("generation 1's master EVM address is generation 0's (%s)", oldMaster.Hex())
	}
	devnettest.Eventually(t, "the anchor handed over to generation 1", 60*time.Second, func() (bool, error) {
		gen, err := e.oracle.Generation(nil)
		return gen == 1, err
	})
	if m, _ := e.oracle.MasterSigner(nil); m != newMaster {
		t.Fatalf("the anchor trusts %s after the rotation, want generation 1's master %s", m.Hex(), newMaster.Hex())
	}
	if s := rotationSigner(t, e, 1, newMaster); s != oldMaster {
		t.Fatalf("the hand-over to %s was signed by %s, want generation 0's master %s", newMaster.Hex(), s.Hex(), oldMaster.Hex())
	}

	second := e.ask("BTC/USD")
	if got := e.answered("the answer after the rotation", second); got != "BTC/USD:OTHER=visible" {
		t.Fatalf("answer after the rotation %q", got)
	}
	ans := evmAnswerEvent(t, e.oracle, second)
	if at, err := e.oracle.AuthorizedAt(nil, e.agent, ans.Signer); err != nil || at != 2 {
		t.Fatalf("the answer's signer %s is authorized at %d (%v), want under generation 1", ans.Signer.Hex(), at, err)
	}
	if first := evmAnswerEvent(t, e.oracle, first); first.Signer == ans.Signer {
		t.Fatalf("the answer key did not change with the cluster's epoch: %s", ans.Signer.Hex())
	}
	if bytes.Contains(e.logs.Bytes(), []byte(e.apiKey)) {
		t.Fatal("the bridge's API key is in the logs")
	}
}

// rotationSigner is the key that signed the anchor's hand-over to gen: it
// recovers the signature in the rotateMaster transaction behind the
// MasterRotated event from the digest the anchor checked.
func rotationSigner(t *testing.T, e *evmEnv, gen uint64, next common.Address) common.Address {
	t.Helper()
	it, err := e.oracle.FilterMasterRotated(&bind.FilterOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for it.Next() {
		if it.Event.Generation != gen {
			continue
		}
		tx, _, err := e.ec.TransactionByHash(context.Background(), it.Event.Raw.TxHash)
		if err != nil {
			t.Fatal(err)
		}
		abi, _ := bindings.PriceOracleMetaData.GetAbi()
		args, err := abi.Methods["rotateMaster"].Inputs.Unpack(tx.Data()[4:])
		if err != nil {
			t.Fatal(err)
		}
		sig := append([]byte(nil), args[2].([]byte)...)
		sig[64] -= 27
		digest := anchorsig.RotateDigest(big.NewInt(devchain.ChainID), e.addr, next, gen)
		pub, err := crypto.SigToPub(accounts.TextHash(digest[:]), sig)
		if err != nil {
			t.Fatal(err)
		}
		return crypto.PubkeyToAddress(*pub)
	}
	t.Fatalf("no MasterRotated event for generation %d", gen)
	return common.Address{}
}

// grepLines is the lines of log that contain s.
func grepLines(log []byte, s string) []byte {
	var out []byte
	for _, l := range bytes.Split(log, []byte("\n")) {
		if bytes.Contains(l, []byte(s)) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}
