package bench

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
)

// agentStateFor is each one-caller phase of BenchmarkAgentStateWrite.
const agentStateFor = 3 * time.Second

// BenchmarkAgentStateWrite measures the latency a replicated kv write adds
// to an agent call (docs/agents.md, "Agent state: consistency"): on a
// devnet whose cluster has three members, one caller calls through the
// gateway, with an API key, an agent that writes kv on every call and
// the same agent without the write, in turns, and reports p50 and p99 of
// each and their differences. Every write is sealed, sent to the two
// other members and acknowledged by one of them before the answer leaves.
func BenchmarkAgentStateWrite(b *testing.B) {
	n := startClusterNet(b, 3, true)
	plain := n.deploy(b, `export default async function main(req) { return { status: 200, body: "ok" } }`)
	writes := n.deploy(b, `export default async function main(req) { kv.set("n", (kv.get("n") ?? 0) + 1); return { status: 200, body: "ok" } }`)
	n.deposit(b, pha.Whole(100_000))
	gw := n.d.Gateway.URL()
	withKey := func(id [32]byte, key string) func(uint64) *http.Request {
		return func(i uint64) *http.Request {
			req, _ := http.NewRequest("GET", agentURL(gw, id, i), nil)
			req.Header.Set("Authorization", "Bearer "+key)
			return req
		}
	}
	mkPlain, mkWrites := withKey(plain, n.registerAPIKey(b, plain)), withKey(writes, n.registerAPIKey(b, writes))
	for _, mk := range []func(uint64) *http.Request{mkPlain, mkWrites} {
		waitUntil(b, "a call through the gateway", func() (bool, error) {
			if r := agentLoad(http.DefaultClient, 1, 0, 0, mk, "ok"); r.errors > 0 {
				return false, errors.New(r.firstErr)
			}
			return true, nil
		})
	}
	b.ResetTimer()
	var without, with agentLoadResult
	for range 2 {
		for _, p := range []struct {
			into *agentLoadResult
			mk   func(uint64) *http.Request
		}{{&without, mkPlain}, {&with, mkWrites}} {
			r := agentLoad(nil, 1, agentStateFor, 0, p.mk, "ok")
			if r.errors > 0 {
				b.Fatalf("%d of %d calls failed, first: %s", r.errors, r.calls, r.firstErr)
			}
			p.into.calls += r.calls
			p.into.latencies = append(p.into.latencies, r.latencies...)
		}
	}
	b.StopTimer()
	for _, r := range []*agentLoadResult{&without, &with} {
		slices.Sort(r.latencies)
	}
	b.ReportMetric(ms(without.pct(50)), "p50-plain-ms")
	b.ReportMetric(ms(without.pct(99)), "p99-plain-ms")
	b.ReportMetric(ms(with.pct(50)), "p50-kv-ms")
	b.ReportMetric(ms(with.pct(99)), "p99-kv-ms")
	b.ReportMetric(ms(with.pct(50)-without.pct(50)), "p50-added-ms")
	b.ReportMetric(ms(with.pct(99)-without.pct(99)), "p99-added-ms")
	b.Logf("%d calls without a kv write, %d with one", without.calls, with.calls)
}

// startClusterNet starts a devnet with 100 ms blocks, a gatekeeper, a
// cluster of members workers (and a gateway if asked), and waits until
// every member holds the cluster key; more changes the devnet's options.
func startClusterNet(b *testing.B, members int, gateway bool, more ...func(*devnet.Options)) *agentNet {
	b.Helper()
	o := devnet.Options{BlockTime: 100 * time.Millisecond, Workers: members + 1, Gatekeepers: 1, Cluster: true}
	if gateway {
		o.GatewayAddr = "127.0.0.1:0"
	}
	for _, f := range more {
		f(&o)
	}
	d, c := devnettest.Start(b, o)
	n := &agentNet{d: d, c: c, alice: devnettest.Key(b, d, "alice"), chainID: devnet.ChainID}
	waitUntil(b, "every member to hold the cluster key", func() (bool, error) {
		var list []clusters.Cluster
		_, err := c.Query(context.Background(), "/clusters/list", &list)
		if len(list) == 1 && len(list[0].Holders) == members {
			n.cluster = [32]byte(list[0].ID)
			return true, nil
		}
		return false, err
	})
	return n
}
