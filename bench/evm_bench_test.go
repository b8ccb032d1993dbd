package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/worker"
)

// evmBurst is how many requests the throughput phase of
// BenchmarkEVMRequests sends at once.
const evmBurst = 40

// evmAgent answers an EVM request's pair with a fixed price.
const evmAgent = `export default async function main(req) { return { status: 200, body: req.body + ":1" } }`

// BenchmarkEVMRequests measures the EVM bridge on the devnet: a PriceOracle
// on the in-process go-ethereum dev chain (a block a second) asks a
// bridged agent of a two-member cluster (100 ms blocks on our chain).
// Latency: b.N requests one after another, each from the block that
// holds the request to the block that holds the answer, in blocks and in
// seconds (from the request's receipt to the answer seen on the anchor).
// Throughput: evmBurst requests sent at once, answers per second from
// the first request sent to the last answer seen. The members' answer
// keys are authorized by a warm-up request before timing.
func BenchmarkEVMRequests(b *testing.B) {
	n := startClusterNet(b, 2, false, func(o *devnet.Options) { o.EVM = true })
	ctx := context.Background()
	agent := n.deploy(b, evmAgent)
	n.deposit(b, pha.Whole(100))
	if _, err := n.c.SetAgentSecrets(ctx, n.alice, agent, map[string]string{agenthost.SecretEVMAPIKey: n.registerAPIKey(b, agent)}); err != nil {
		b.Fatal(err)
	}
	e := newEVMBench(b, n, agent)
	e.roundTrip(b, "warm-up")

	var blocks []uint64
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl, d := e.roundTrip(b, fmt.Sprintf("P%d", i))
		blocks, lat = append(blocks, bl), append(lat, d)
	}
	b.StopTimer()
	slices.Sort(blocks)
	slices.Sort(lat)

	start := time.Now()
	ids := e.burst(b, evmBurst)
	first, last := e.waitAnswered(b, ids)
	elapsed := time.Since(start)
	perSec := float64(len(ids)) / elapsed.Seconds()

	b.ReportMetric(float64(blocks[len(blocks)/2]), "blocks-p50")
	b.ReportMetric(ms(lat[len(lat)/2]), "answer-ms-p50")
	b.ReportMetric(perSec, "answers/s")
	b.Logf("request to answer over %d requests: median %d blocks (min %d, max %d), median %.0f ms (min %.0f, max %.0f); all (ms): %s",
		len(lat), blocks[len(blocks)/2], blocks[0], blocks[len(blocks)-1], ms(lat[len(lat)/2]), ms(lat[0]), ms(lat[len(lat)-1]), msList(lat))
	b.Logf("burst of %d requests: answered in %.1f s (%.2f answers/s), answers in EVM blocks %d..%d",
		len(ids), elapsed.Seconds(), perSec, first, last)
}

// evmBench is a PriceOracle on the devnet's EVM chain asking one agent.
type evmBench struct {
	ec        *ethclient.Client
	oracle    *bindings.PriceOracle
	requester *bind.TransactOpts
}

// newEVMBench deploys a PriceOracle for agent trusting the master EVM key
// of the chain's current generation.
func newEVMBench(b *testing.B, n *agentNet, agent [32]byte) *evmBench {
	b.Helper()
	ctx := context.Background()
	ec, err := ethclient.DialContext(ctx, n.d.EVM.RPCURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ec.Close)
	var master worker.EVMSigned
	waitUntil(b, "the master EVM key", func() (bool, error) {
		ks, err := n.c.KeyState(ctx)
		if err != nil || ks.Generation == nil {
			return false, err
		}
		resp, err := http.Get(n.d.Workers[0].Endpoint() + strings.Replace(worker.PathEVMMaster, "{gen}", fmt.Sprint(ks.Generation.Number), 1))
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&master) == nil, nil
	})
	e := &evmBench{ec: ec, requester: evmTransactor(b, n.d, "requester")}
	_, tx, oracle, err := bindings.DeployPriceOracle(evmTransactor(b, n.d, "deployer"), ec, master.Key, master.Generation, agent)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bind.WaitDeployed(ctx, ec, tx); err != nil {
		b.Fatal(err)
	}
	e.oracle = oracle
	return e
}

func evmTransactor(b *testing.B, d *devnet.Devnet, name string) *bind.TransactOpts {
	a, ok := d.EVM.Account(name)
	if !ok {
		b.Fatalf("no dev account %s", name)
	}
	o, err := bind.NewKeyedTransactorWithChainID(a.Key, big.NewInt(devchain.ChainID))
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// roundTrip asks about pair and waits for the answer: the blocks from the
// request's block to the answer's, and the time from the request's
// receipt to the answer seen on the anchor.
func (e *evmBench) roundTrip(b *testing.B, pair string) (uint64, time.Duration) {
	b.Helper()
	id, reqBlock := e.ask(b, pair, nil)
	at := time.Now()
	_, ansBlock := e.waitAnswered(b, []*big.Int{id})
	return ansBlock - reqBlock, time.Since(at)
}

// ask sends ask(pair) with nonce (nil: the binding's) and, if nonce is
// nil, waits for its receipt: the request id and its block.
func (e *evmBench) ask(b *testing.B, pair string, nonce *big.Int) (*big.Int, uint64) {
	o := *e.requester
	o.Value, o.Nonce = big.NewInt(1000), nonce
	if nonce != nil {
		o.GasLimit = 800_000 // no estimate against a pool of our own requests (an ask uses 590k on the dev chain)
	}
	tx, err := e.oracle.Ask(&o, pair, 600)
	if err != nil {
		b.Fatal(err)
	}
	if nonce != nil {
		return nil, 0
	}
	return e.requestOf(b, tx)
}

// requestOf waits for an ask transaction and returns its request id and
// block.
func (e *evmBench) requestOf(b *testing.B, tx *types.Transaction) (*big.Int, uint64) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := bind.WaitMined(ctx, e.ec, tx)
	if err != nil {
		b.Fatalf("ask %s: %v", tx.Hash().Hex(), err)
	}
	for _, l := range r.Logs {
		if ev, err := e.oracle.ParseAgentRequest(*l); err == nil {
			return ev.Id, r.BlockNumber.Uint64()
		}
	}
	b.Fatalf("ask %s: no AgentRequest", tx.Hash().Hex())
	return nil, 0
}

// burst sends count requests at once (consecutive nonces, no waiting in
// between) and returns their ids.
func (e *evmBench) burst(b *testing.B, count int) []*big.Int {
	b.Helper()
	ctx := context.Background()
	nonce, err := e.ec.PendingNonceAt(ctx, e.requester.From)
	if err != nil {
		b.Fatal(err)
	}
	next, err := e.oracle.NextRequestId(nil)
	if err != nil {
		b.Fatal(err)
	}
	var ids []*big.Int
	for i := range count {
		e.ask(b, fmt.Sprintf("B%d", i), new(big.Int).SetUint64(nonce+uint64(i)))
		ids = append(ids, new(big.Int).Add(next, big.NewInt(int64(i))))
	}
	return ids
}

// waitAnswered polls the anchor every 50 ms until every request in ids is
// answered and returns the first and last EVM blocks their answers landed
// in.
func (e *evmBench) waitAnswered(b *testing.B, ids []*big.Int) (uint64, uint64) {
	b.Helper()
	const answered = 2
	deadline := time.Now().Add(5 * time.Minute)
	for _, id := range ids {
		for {
			r, err := e.oracle.Requests(nil, id)
			if err == nil && r.Status == answered {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("request %s not answered (status %d, %v)", id, r.Status, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	it, err := e.oracle.FilterAgentAnswer(&bind.FilterOpts{}, ids, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer it.Close()
	first, last, seen := uint64(0), uint64(0), 0
	for it.Next() {
		bn := it.Event.Raw.BlockNumber
		if seen == 0 || bn < first {
			first = bn
		}
		last, seen = max(last, bn), seen+1
	}
	if seen != len(ids) {
		b.Fatalf("%d answers landed for %d requests", seen, len(ids))
	}
	return first, last
}
