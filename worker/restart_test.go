package worker_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/worker"
)

// TestRestartedWorkerCallsWhileCatchingUp: calls that reach a worker
// right after a restart, before its light client has caught up with the
// chain, are told to come back (503), not that the worker failed (500);
// and a hold request the worker could not send then does not make the
// next call wait for its answer (it waited the 30 s a sent request may go
// unanswered).
func TestRestartedWorkerCallsWhileCatchingUp(t *testing.T) {
	e := newContractEnvWith(t, 2, 1)
	ctx := context.Background()
	id := deployAgentFile(t, e.c, e.alice, e.cluster, "testdata/agents/template.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := e.c.Send(ctx, e.bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	chainID, err := e.c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.d.Workers[1].Stop(); err != nil {
		t.Fatal(err)
	}
	member := restartWorker(t, e.d, e.logs, "worker1", func(*worker.Options) {})
	start := time.Now()
	var codes []int
	for {
		req, _ := http.NewRequest(http.MethodPost, member.Endpoint()+"/agents/"+hex.EncodeToString(id[:])+"/x", strings.NewReader("hi"))
		agentio.SignRequest(req, chainID, id, [32]byte(member.ID()), []byte("hi"), e.bob, time.Now())
		code, out := doRequest(t, req)
		codes = append(codes, code)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("a call while the restarted worker catches up: %d %s, want 503 or 200 (answers so far %v)", code, out, codes)
		}
		if time.Since(start) > 10*time.Second*raceSlowdown {
			t.Fatalf("no call served within %v of the restart (answers %v)", time.Since(start), codes)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d > 10*time.Second*raceSlowdown {
		t.Fatalf("the first call served came %v after the restart (answers %v)", d.Round(time.Millisecond), codes)
	}
}
