package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/agenthost"
)

// counterAgent counts distinct tags (the request body) in kv: a tag it
// has counted before is not counted again, so a caller may resend a tag
// whose answer it lost (to the killed worker) without counting it twice.
// GET /count answers the count.
const counterAgent = `export default async function main(req) {
  if (req.path === "/count") return { status: 200, body: String(kv.get("n") ?? 0) };
  const tag = "t:" + req.body;
  let n = kv.get("n") ?? 0;
  if (kv.get(tag) === null) { n = n + 1; kv.set(tag, 1); kv.set("n", n); }
  return { status: 200, body: String(n) };
}`

// TestAgentStateSurvivesKill: an agent counts in kv under load from two
// callers on a three-member cluster; the worker serving it is SIGKILLed
// in the middle. Every call is resent with the same tag until it is
// acknowledged, so after failover the count the agent answers equals the
// number of acknowledged calls exactly: no acknowledged write was lost
// with the killed worker, no concurrent update was lost, nothing counted
// twice.
func TestAgentStateSurvivesKill(t *testing.T) {
	h := newLongHarness(t, "runs a devnet and three worker processes")
	cw := startClusterWorkers(t, h, 3)
	c := newClient(t, cw.url)
	keys := devKeys(t, cw.home, "alice", "carol")
	alice, carol := keys[0], keys[1]
	agent := devnettest.DeployAgent(t, c, alice, counterAgent, [32]byte(cw.cluster.ID), pha.Amount{})
	if _, err := c.Send(t.Context(), carol, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(1_000)}); err != nil {
		t.Fatal(err)
	}
	procs := cw.procs()
	count := func() (int, string, error) {
		r, err := c.CallAgent(t.Context(), carol, cw.gw, agent, "GET", "/count", nil)
		if err != nil {
			return 0, "", err
		}
		n, err := strconv.Atoi(string(r.Body))
		return n, hex.EncodeToString(r.Answer.Worker[:]), err
	}
	waitFor(t, 60*time.Second, "the agent to answer", func() (bool, error) {
		_, _, err := count()
		return err == nil, nil
	}, procs...)

	load := &counterLoad{c: c, key: carol, gw: cw.gw, agent: agent}
	load.start(2)
	waitFor(t, 90*time.Second, "40 acknowledged calls before the kill", func() (bool, error) {
		return load.acked() >= 40, nil
	}, procs...)
	victim := load.servedBy()
	i := cw.index(victim)
	if i < 0 {
		t.Fatalf("the agent's calls were answered by %s, not a member", victim)
	}
	cw.workers[i].kill()
	t.Logf("killed worker %d (%s), the agent's worker, after %d acknowledged calls", i, victim[:16], load.acked())
	before := load.acked()
	procs = append(procs[:i+1:i+1], procs[i+2:]...) // the devnet is procs[0]
	waitFor(t, 120*time.Second, "40 more acknowledged calls after the kill", func() (bool, error) {
		return load.acked() >= before+40, nil
	}, procs...)
	load.stop(t)

	var got int
	var by string
	waitFor(t, 60*time.Second, "the count after failover", func() (bool, error) {
		var err error
		got, by, err = count()
		return err == nil, nil
	}, procs...)
	if by == victim {
		t.Fatalf("the count was answered by the killed worker %s", victim[:16])
	}
	if want := load.acked(); got != want {
		t.Fatalf("after failover the agent counts %d, but %d distinct calls were acknowledged (%d of them before the kill)", got, want, before)
	}
	t.Logf("count %d after failover (served by %s) = %d acknowledged calls", got, by[:16], got)

	// The killed worker comes back: it missed every write since, so it
	// syncs from the others before it answers, then writes on the
	// synced head, and another member reads that write.
	cw.restart(t, h, i)
	direct := func(j int, method, tag string) (int, error) {
		r, err := c.CallAgent(t.Context(), carol, "http://"+cw.listen[j], agent, method, map[string]string{"GET": "/count", "POST": "/"}[method], []byte(tag))
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(string(r.Body))
	}
	var back int
	waitFor(t, 60*time.Second, "the restarted worker to answer the count", func() (bool, error) {
		var err error
		back, err = direct(i, "GET", "")
		return err == nil, nil
	}, append(procs, cw.workers[i])...)
	if back != got {
		t.Fatalf("the restarted worker counts %d, the others %d: it served its state from before the kill", back, got)
	}
	if n, err := direct(i, "POST", "after-restart"); err != nil || n != got+1 {
		t.Fatalf("a write on the restarted worker: %d, %v; want %d", n, err, got+1)
	}
	other := (i + 1) % len(cw.workers)
	if n, err := direct(other, "GET", ""); err != nil || n != got+1 {
		t.Fatalf("worker %d reads %d, %v after the restarted worker's write; want %d", other, n, err, got+1)
	}
	t.Logf("the restarted worker synced to %d, wrote %d, and worker %d reads it", back, got+1, other)
	hostSeesCiphertext(t, "http://"+cw.listen[other], agent, cw.cluster.Epoch, [32]byte(mustHex(t, cw.ids[i])))
}

// hostSeesCiphertext plays the worker's host against a member's
// replication endpoints: it cannot make the member load and seal the
// agent's state (a snapshot query must be another member's, MACed under
// the agent's state key: the route used to answer anyone naming the
// agent), and a write made up under a member's name is refused by the
// enclave, naming the check.
func hostSeesCiphertext(t *testing.T, member string, agent [32]byte, epoch uint64, from [32]byte) {
	t.Helper()
	unsigned, _ := json.Marshal(agenthost.StateQuery{Agent: agent, Epoch: epoch, Member: from})
	resp, err := http.Post(member+"/agentstate/snapshot", "application/json", bytes.NewReader(unsigned))
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(snap), "not MACed under the agent's state key") {
		t.Fatalf("a snapshot query without the state key: %d %.200s, want 409 naming the MAC", resp.StatusCode, snap)
	}
	resp, err = http.Get(member + "/agentstate/" + hex.EncodeToString(agent[:]) + "/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the old snapshot route still answers anyone naming the agent")
	}
	forged, _ := json.Marshal(agenthost.ReplMsg{Agent: agent, Epoch: epoch, Seq: 1000, From: from, Sealed: bytes.Repeat([]byte{7}, 64)})
	resp, err = http.Post(member+"/agentstate/replicate", "application/json", bytes.NewReader(forged))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(msg), "does not open under the agent's state key") {
		t.Fatalf("a made-up write: %d %s, want 409 naming the state key", resp.StatusCode, msg)
	}
}

// counterLoad is callers sending the counter agent distinct tags, each
// resent until it is acknowledged.
type counterLoad struct {
	c     *client.Client
	key   ed25519.PrivateKey
	gw    string
	agent [32]byte
	loops *loops
	mu    sync.Mutex
	tags  map[string]bool
	// lost is tags never acknowledged within their deadline.
	lost     []string
	failures int
	last     [32]byte
}

func (l *counterLoad) start(callers int) {
	l.tags, l.loops = map[string]bool{}, newLoops()
	for i := range callers {
		l.loops.run(func(n int) { l.send(fmt.Sprintf("%d-%d", i, n)) })
	}
}

// send calls with tag until an answer comes back (for up to a minute).
func (l *counterLoad) send(tag string) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		r, err := l.c.CallAgent(ctx, l.key, l.gw, l.agent, "POST", "/", []byte(tag))
		cancel()
		if err == nil && r.Status == 200 {
			l.mu.Lock()
			l.tags[tag] = true
			l.last = r.Answer.Worker
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		l.failures++
		l.mu.Unlock()
		time.Sleep(50 * time.Millisecond) // a retry, not a wait for an event
	}
	l.mu.Lock()
	l.lost = append(l.lost, tag)
	l.mu.Unlock()
}

func (l *counterLoad) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tags)
}

func (l *counterLoad) servedBy() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return hex.EncodeToString(l.last[:])
}

func (l *counterLoad) stop(t *testing.T) {
	t.Helper()
	l.loops.stop()
	t.Logf("counter calls: %d acknowledged, %d failed attempts resent", len(l.tags), l.failures)
	if len(l.lost) > 0 {
		t.Fatalf("%d calls never acknowledged (first %s): the count cannot be checked exactly", len(l.lost), l.lost[0])
	}
}
