package worker_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/worker"
)

// TestEVMEditedPayloadRefused: the host of a cluster member reads the EVM
// chain through a JSON-RPC endpoint that edits every request's payload
// ("ETH/USD" becomes "BTC/USD") before its bridge sees it. Its enclave
// answers the payload it is given, under the real request's id; the anchor
// must refuse that answer (the oracle's ETH/USD price would otherwise be
// the BTC price), and the request stays pending for an honest member.
func TestEVMEditedPayloadRefused(t *testing.T) {
	e := newEVMEnv(t, "testdata/agents/oracle.ts", nil)
	// One honest answer first: the cluster's answer key (the same for every
	// member) is then authorized on the anchor.
	if got := e.answered("the first answer", e.ask("ETH/USD")); got != "ETH/USD:3150.25" {
		t.Fatalf("first answer %q", got)
	}
	for _, w := range e.d.Workers[1:] {
		if err := w.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	lying := httptest.NewServer(editingRPC(e.d.EVM.RPCURL, []byte("ETH/USD"), []byte("BTC/USD")))
	t.Cleanup(lying.Close)
	relayer, _ := e.d.EVM.Account("relayer")
	restartWorker(t, e.d, e.logs, "worker1", func(o *worker.Options) {
		o.EVM = &worker.EVMBridge{RPC: lying.URL, ChainID: big.NewInt(devchain.ChainID), Relayer: relayer.Key, Takeover: time.Second}
	})
	id := e.ask("ETH/USD")
	devnettest.Eventually(t, "the lying host's bridge to submit or be refused", 90*time.Second*raceBlockSlowdown, func() (bool, error) {
		r, err := e.oracle.Requests(nil, id)
		if err == nil && r.Status == evmAnswered {
			latest, _ := e.oracle.Latest(nil, "ETH/USD")
			t.Fatalf("the anchor accepted an answer computed on payload BTC/USD for request %s about ETH/USD: latest ETH/USD is now %q", id, latest)
		}
		return bytes.Contains(e.logs.Bytes(), []byte("PayloadMismatch(")), err
	})
	if r, _ := e.oracle.Requests(nil, id); r.Status != evmPending {
		t.Fatalf("request %s status %d after the refusal, want pending", id, r.Status)
	}
}

// editingRPC forwards JSON-RPC calls to url, replacing from with to (as
// hex) in every answer: a host's lying view of the EVM chain.
func editingRPC(url string, from, to []byte) http.Handler {
	hexFrom, hexTo := []byte(hex.EncodeToString(from)), []byte(hex.EncodeToString(to))
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		rw.Header().Set("Content-Type", "application/json")
		rw.Write(bytes.ReplaceAll(out, hexFrom, hexTo))
	})
}

// restartWorker starts the stopped devnet worker name again over its
// home, logging into logs, with the options host sets (an EVM bridge, a
// clock), as its host can, until the test ends.
func restartWorker(t *testing.T, d *devnet.Devnet, logs *lockedBuffer, name string, host func(*worker.Options)) *worker.Worker {
	t.Helper()
	wh := filepath.Join(d.Home, "workers", name)
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(d.Home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := worker.NewSimProvider(simKey, wh, devnetGenesis(t, d.Home))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := cmttypesGenesis(d.Home)
	if err != nil {
		t.Fatal(err)
	}
	op, err := d.Keyring.PrivKey(name)
	if err != nil {
		t.Fatal(err)
	}
	o := worker.Options{Home: wh, Genesis: gen, NodeURL: d.RPCURL, Operator: op, Provider: p,
		Logger: debugLogger(logs), Poll: 50 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond}
	host(&o)
	w, err := worker.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	return w
}
