package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/worker"
)

// TestLateJoinerGetsContractState: a worker added to a cluster after two
// master-key rotations and 50 contract inputs cannot replay the inputs
// sealed under the epochs before it (it never held those keys); it gets
// the contract's state from a member as a snapshot sealed under the
// cluster key, checks it against the root on chain, and then serves the
// same state as the others and goes on from there without diverging. It
// also serves the cluster's agent with the kv state the members
// acknowledged across both rotations.
func TestLateJoinerGetsContractState(t *testing.T) {
	e := newContractEnvWith(t, 4, 2)
	ctx := context.Background()
	w1, w2, late := e.d.Workers[1], e.d.Workers[2], e.d.Workers[3]
	token := e.deploy(t, "../examples/contracts/token/token.ts", `{"supply":1000}`)
	bob := addr(e.bob)
	authority, _ := e.d.Keyring.PrivKey(devnet.AuthorityAccount)
	// The transfers go out back to back and their results are awaited
	// after: the replicas run them in batches instead of one per wait.
	transfers := func(n int) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		var sent []*client.SentCommand
		for range n {
			s, err := e.c.Exec(tctx, e.alice, token, json.RawMessage(`{"transfer":{"to":"`+bob+`","amount":1}}`), 0)
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, s)
		}
		for _, s := range sent {
			if r, err := e.c.WaitResult(tctx, s); err != nil || !r.OK {
				t.Fatalf("transfer %d: %+v %v", s.Input, r, err)
			}
		}
	}
	// The cluster's agent counts its calls in kv; each epoch's calls are
	// served (and their writes replicated) by the members before it.
	agent := devnettest.DeployAgent(t, e.c, e.alice, countingAgent, e.cluster, pha.Amount{})
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(100)}); err != nil {
		t.Fatal(err)
	}
	count := func(w *worker.Worker) (string, error) {
		r, err := e.c.CallAgent(ctx, e.alice, w.Endpoint(), agent, "POST", "/", nil)
		if err != nil {
			return "", err
		}
		return string(r.Body), nil
	}
	// A call retried after an error may find its first try counted (its
	// write committed, its answer lost or refused by the client's check):
	// the count goes on from what the agent answers, which the late
	// joiner and the members must then agree on exactly.
	calls := 0
	for epoch := uint64(1); epoch <= 2; epoch++ {
		for range 3 {
			calls++
			eventually(t, "the agent's call "+strconv.Itoa(calls), func() (bool, error) {
				n, err := count(w1)
				if err != nil {
					t.Logf("the agent's call %d: %v", calls, err)
					return false, err
				}
				got, err := strconv.Atoi(n)
				if err != nil || got < calls {
					return false, fmt.Errorf("the agent counts %q, want at least %d", n, calls)
				}
				if got > calls {
					t.Logf("the agent counts %d at call %d: a try that failed was counted", got, calls)
					calls = got
				}
				return true, nil
			})
		}
		transfers(25)
		if _, err := e.c.Send(ctx, authority, pha.Amount{}, "", &keys.MsgRotate{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "cluster epoch "+strconv.FormatUint(epoch, 10)+" held by both members", func() (bool, error) {
			cl := clusterRecord(e.c, e.cluster)
			return cl.Epoch == epoch && len(cl.Holders) == 2, nil
		})
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: e.cluster, Worker: late.ID()}); err != nil {
		t.Fatal(err)
	}
	queryOn := func(w [32]byte) (string, error) {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r, err := e.c.QueryContract(qctx, e.alice, token, []byte(`{}`), w)
		if err != nil {
			return "", err
		}
		return string(r.Value), nil
	}
	eventually(t, "the late joiner to serve alice's balance after 50 transfers", func() (bool, error) {
		v, err := queryOn([32]byte(late.ID()))
		return v == "950", err
	})
	// It serves the agent from the state the members acknowledged, and
	// they see its write.
	if n, err := count(late); err != nil || n != strconv.Itoa(calls+1) {
		t.Fatalf("the late joiner's agent count: %q %v, want %d", n, err, calls+1)
	}
	if n, err := count(w2); err != nil || n != strconv.Itoa(calls+2) {
		t.Fatalf("a member's agent count after the late joiner's call: %q %v, want %d", n, err, calls+2)
	}
	// It goes on from the snapshot's input with the others: one more
	// transfer, the same balance on every member, and no divergence.
	transfers(1)
	for _, w := range []([32]byte){[32]byte(w1.ID()), [32]byte(w2.ID()), [32]byte(late.ID())} {
		eventually(t, "every member at 949", func() (bool, error) {
			v, err := queryOn(w)
			return v == "949", err
		})
	}
	eventually(t, "the late joiner's root to join the majority", func() (bool, error) {
		rec, err := e.c.Contract(ctx, token)
		if err != nil {
			return false, err
		}
		rep, err := e.c.ContractRoots(ctx, token, rec.Inputs-1)
		return err == nil && len(rep.Votes) == 3 && len(rep.Diverged) == 0, err
	})
	if d, err := e.c.ContractDivergences(ctx, token); err != nil || len(d) != 0 {
		t.Fatalf("divergences %+v %v", d, err)
	}
	snapshotAttacks(t, e, token, w1, late, e.d.Workers[0])
}

// countingAgent answers how many calls it has served, counted in kv.
const countingAgent = `export default async function main() {
  const n = (kv.get("n") ?? 0) + 1;
  kv.set("n", n);
  return { status: 200, body: String(n) };
}`

// snapshotAttacks is the joiner's host turned hostile, and a stranger: a
// request that its recipient did not sign (anyone could make a member copy
// and seal a contract's state under the replica's lock: an unsigned
// request naming the joiner was served), one signed by the joiner but
// naming another recipient, and one for a non-member are refused; the
// host relabels a genuine snapshot's header (sender, epoch, position),
// flips a ciphertext byte, and replays the genuine snapshot. Each forgery
// is refused with the check that failed; the replay changes nothing, so
// no input is applied twice.
func snapshotAttacks(t *testing.T, e *contractEnv, token [32]byte, member, late, outsider *worker.Worker) {
	t.Helper()
	ctx := context.Background()
	ask := func(req core.SnapshotRequest) (*http.Response, []byte) {
		body, _ := json.Marshal(req)
		resp, err := http.Post(member.Endpoint()+worker.PathContractSnapshot, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, raw
	}
	unsigned := core.SnapshotRequest{Kind: "contract", Subject: token, To: [32]byte(late.ID()), Height: late.ContractSnapshotRequest(token).Height}
	renamed := late.ContractSnapshotRequest(token)
	renamed.To = [32]byte(member.ID())
	for _, tc := range []struct {
		name string
		req  core.SnapshotRequest
		want string
	}{
		{"an unsigned request naming the joiner", unsigned, "snapshot-request"},
		{"the joiner's request renamed to another member", renamed, "snapshot-request"},
		{"a non-member's own request", outsider.ContractSnapshotRequest(token), "snapshot-member"},
	} {
		if resp, raw := ask(tc.req); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(raw), tc.want) {
			t.Fatalf("%s: %s %s, want 403 naming %s", tc.name, resp.Status, raw, tc.want)
		}
	}
	resp, raw := ask(late.ContractSnapshotRequest(token))
	var genuine core.SealedSnapshot
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &genuine) != nil {
		t.Fatalf("snapshot: %s %s", resp.Status, raw)
	}
	forge := func(f func(*core.SealedSnapshot)) core.SealedSnapshot {
		s := genuine
		s.Ciphertext = append([]byte(nil), genuine.Ciphertext...)
		f(&s)
		return s
	}
	for _, tc := range []struct {
		name string
		snap core.SealedSnapshot
		want error
	}{
		{"sender relabeled as a non-member", forge(func(s *core.SealedSnapshot) { s.Header.From = [32]byte(outsider.ID()) }), core.ErrSnapshotNotMember},
		{"relabeled to an earlier epoch", forge(func(s *core.SealedSnapshot) { s.Header.Epoch-- }), core.ErrSnapshotEpoch},
		{"position relabeled", forge(func(s *core.SealedSnapshot) { s.Header.Position-- }), core.ErrSnapshotSeal},
		{"ciphertext flipped", forge(func(s *core.SealedSnapshot) { s.Ciphertext[len(s.Ciphertext)/2] ^= 1 }), core.ErrSnapshotSeal},
	} {
		if err := late.ImportContractSnapshot(ctx, tc.snap); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := late.ImportContractSnapshot(ctx, genuine); err != nil {
		t.Fatalf("replayed genuine snapshot: %v", err)
	}
	r, err := e.c.QueryContract(ctx, e.alice, token, []byte(`{}`), [32]byte(late.ID()))
	if err != nil || string(r.Value) != "949" {
		t.Fatalf("after the replay the late joiner answers %v %v, want 949", r, err)
	}
}
