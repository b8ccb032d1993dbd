package worker_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/worker"
)

// TestEVMEditedPayloadRefused: a lying host reads a real request ("what
// is ETH/USD?") and hands its enclave another payload ("BTC/USD") under
// the request's id. The enclave answers what it was given; the anchor must
// refuse that answer, whichever payload hash the host submits it with:
// otherwise the oracle's ETH/USD price becomes the BTC price.
func TestEVMEditedPayloadRefused(t *testing.T) {
	e := newEVMEnv(t, "testdata/agents/oracle.ts", nil)
	ctx := context.Background()
	// One honest answer first: the cluster's answer key (the same for every
	// member) is then authorized on the anchor.
	if got := e.answered("the first answer", e.ask("ETH/USD")); got != "ETH/USD:3150.25" {
		t.Fatalf("first answer %q", got)
	}
	// The host of member 1 stops both members' bridges (so no honest answer
	// lands) and drives member 1's enclave itself.
	for _, w := range e.d.Workers[1:] {
		if err := w.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	id := e.ask("ETH/USD")
	enc, src := openStoppedEnclave(t, e.d.Home, "worker1", e.c)
	relayer := evmOpts(t, e.d, "relayer")
	req := pruntime.EVMRequest{ChainID: big.NewInt(devchain.ChainID), Anchor: e.addr, Agent: e.agent, ID: id,
		Payload: []byte("BTC/USD"), Relayer: relayer.From}
	var ans pruntime.EVMAnswer
	eventuallyWithin(t, "the enclave's answer to the edited payload", 60*time.Second, func() (bool, error) {
		if _, err := enc.Sync(ctx, src, nil); err != nil && !errors.Is(err, chainsync.ErrBehind) {
			return false, err
		}
		var err error
		ans, err = enc.AnswerEVM(ctx, src, req)
		return err == nil, err
	})
	if string(ans.Result) != "BTC/USD:97000.50" {
		t.Fatalf("the enclave answered %q to the edited payload", ans.Result)
	}
	// The host names the payload its enclave signed, then the request's.
	real := agentio.Keccak256([]byte("ETH/USD"))
	for _, c := range []struct {
		payload [32]byte
		want    string
	}{{ans.PayloadHash, "PayloadMismatch("}, {real, "UnauthorizedSigner("}} {
		tx, err := e.oracle.Answer(relayer, id, c.payload, ans.Result, ans.Sig)
		if err == nil {
			bind.WaitMined(ctx, e.ec, tx)
			latest, _ := e.oracle.Latest(nil, "ETH/USD")
			t.Fatalf("the anchor accepted an answer computed on payload BTC/USD for request %s about ETH/USD: latest ETH/USD is now %q", id, latest)
		}
		if r := bindings.Refusal(err); !strings.HasPrefix(r, c.want) {
			t.Fatalf("answer named as on payload %x: refusal %q (%v), want %s", c.payload, r, err, c.want)
		}
	}
	if ans.PayloadHash != agentio.Keccak256([]byte("BTC/USD")) {
		t.Fatalf("the enclave reports payload hash %x, not that of the payload it ran", ans.PayloadHash)
	}
}

// openStoppedEnclave opens the sealed enclave of the stopped devnet worker
// name, as its host can, and syncs it with the chain at rpc.
func openStoppedEnclave(t *testing.T, home, name string, c *client.Client) (*pruntime.Enclave, chainsync.Source) {
	t.Helper()
	wh := filepath.Join(home, "workers", name)
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := worker.NewSimProvider(simKey, wh, devnetGenesis(t, home))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := cmttypesGenesis(home)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := pruntime.Open(p, filepath.Join(wh, "sealed"), gen, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	src := chainsync.NewRPCSource(c.RPC)
	eventually(t, "the reopened enclave to sync", func() (bool, error) {
		_, err := enc.Sync(context.Background(), src, nil)
		return err == nil || errors.Is(err, chainsync.ErrBehind), nil
	})
	return enc, src
}
