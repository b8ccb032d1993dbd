package worker_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/worker"
)

// hostClock is the clock of a worker's machine as its operator sets it:
// real time plus an offset the test moves.
type hostClock struct{ offset atomic.Int64 }

func (c *hostClock) now() time.Time      { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *hostClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// TestRedTeamHostClockOpensTimeLock: a contract keeps a secret that its
// queries reveal only once ctx.time reaches a release time, as a timed
// release or a sealed-bid auction does (ctx.time is the block time,
// docs/contracts.md). The operator of a member, who is also a caller,
// sets the machine's clock ahead past the release time and queries it,
// signing at that time. A query's time was the host's clock, so the
// secret came out early; it is the verified time of the chain the query
// reads.
func TestRedTeamHostClockOpensTimeLock(t *testing.T) {
	e := newContractEnvWith(t, 2, 1)
	release := time.Now().Add(3 * time.Minute).UnixMilli()
	id := e.deploy(t, "testdata/timelock.js", `{"at":`+jsonInt(release)+`,"secret":"the-bids"}`)
	if v, errText := e.query(t, e.bob, id, `null`); v != `"locked"` || errText != "" {
		t.Fatalf("query before the release time: %s %q", v, errText)
	}
	if err := e.d.Workers[1].Stop(); err != nil {
		t.Fatal(err)
	}
	// Four minutes ahead: past the release time, and within the skew a
	// query's signed time may be ahead of the worker's view of the chain
	// (further ahead, the query is not answered at all: 503).
	clock := &hostClock{}
	clock.set(4 * time.Minute)
	member := restartWorker(t, e.d, e.logs, "worker1", func(o *worker.Options) { o.Clock = clock.now })
	ctx := context.Background()
	rec, err := e.c.Worker(ctx, member.ID())
	if err != nil {
		t.Fatal(err)
	}
	chainID, err := e.c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// ask posts bob's query, signed at the host clock's time, straight to
	// the member.
	ask := func() (int, string, *contractio.PendingQuery) {
		pq, err := contractio.NewQuery(chainID, [32]byte(rec.ID), rec.ECDHKey, e.bob, nil, id, json.RawMessage(`null`), clock.now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, member.Endpoint()+"/contracts/query", bytes.NewReader(pq.Body))
		code, body := doRequest(t, req)
		return code, body, pq
	}
	var answer contractio.QueryResult
	eventually(t, "the restarted member to answer a query signed at its clock's time", func() (bool, error) {
		code, body, pq := ask()
		if code != http.StatusOK {
			return false, nil // still syncing or loading the contract
		}
		var qr contractio.QueryResponse
		if err := json.Unmarshal([]byte(body), &qr); err != nil {
			return false, err
		}
		var err error
		answer, err = pq.Open(qr)
		return err == nil, err
	})
	if string(answer.Value) != `"locked"` {
		t.Fatalf("a member whose host clock runs four minutes ahead answered %s %q a minute before the release time, want \"locked\"", answer.Value, answer.Error)
	}
	// Two hours ahead, signed then: the query is further ahead of the
	// member's view of the chain than the skew, and is not answered.
	clock.set(2 * time.Hour)
	if code, body, _ := ask(); code != http.StatusServiceUnavailable || !strings.Contains(body, "view of the chain") {
		t.Fatalf("a query signed two hours ahead of the chain: %d %s, want 503 naming the worker's view", code, body)
	}
}

// TestRedTeamHostClockReplaysSignedCall: a signed agent call is served
// once; its id stays in the worker's sealed seen-set while the request
// is fresh. The operator of the worker captures one, moves the machine's
// clock eleven minutes ahead (past twice the skew a request may have)
// while a call comes in, which made the seen-set forget the id, then
// moves the clock back and sends the captured request again: the agent
// ran it a second time (its side effects, a payment it makes, twice).
// The seen-set now forgets an id only once the chain's verified time has
// made its request stale, which no clock on the machine moves (and a
// call from that far ahead of the chain's time is not served at all).
func TestRedTeamHostClockReplaysSignedCall(t *testing.T) {
	e := newContractEnvWith(t, 2, 1)
	ctx := context.Background()
	c, bob := e.c, e.bob
	id := deployAgentFile(t, c, e.alice, e.cluster, "testdata/agents/template.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Workers[1].Stop(); err != nil {
		t.Fatal(err)
	}
	clock := &hostClock{}
	member := restartWorker(t, e.d, e.logs, "worker1", func(o *worker.Options) { o.Clock = clock.now })
	chainID, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// signed is a call of bob's signed at the host clock's time, as bob's
	// own clock would be if it agreed.
	signed := func(body string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, member.Endpoint()+"/agents/"+hex.EncodeToString(id[:])+"/pay", strings.NewReader(body))
		agentio.SignRequest(req, chainID, id, [32]byte(member.ID()), []byte(body), bob, clock.now())
		return req
	}
	send := func(req *http.Request, body string) (int, string) {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(strings.NewReader(body))
		return doRequest(t, r)
	}
	_, height, err := c.ProvenAgent(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the restarted member to catch up with the chain", func() (bool, error) {
		return member.Status().SyncedHeight > height, nil
	})
	captured := signed("pay carol 5")
	eventually(t, "the restarted member to serve bob's signed call", func() (bool, error) {
		captured = signed("pay carol 5")
		code, _ := send(captured, "pay carol 5")
		return code == http.StatusOK, nil
	})
	clock.set(11 * time.Minute)
	// A call signed at the moved clock's time (by a caller whose clock
	// agrees, or the operator's own account) is now refused itself: it is
	// from further ahead of the chain's time than the skew (503).
	if code, out := send(signed("a later call"), "a later call"); code != http.StatusOK && code != http.StatusServiceUnavailable {
		t.Fatalf("a call signed at the moved clock's time: %d %s", code, out)
	}
	clock.set(time.Second)
	if code, out := send(captured, "pay carol 5"); code == http.StatusOK || !strings.Contains(out, "already served") {
		t.Fatalf("the captured call sent again after the host's clock went ahead and back: %d %s, want it refused as already served", code, out)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// doRequest sends r and returns the answer's status and body.
func doRequest(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
