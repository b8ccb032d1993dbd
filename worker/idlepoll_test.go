package worker_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/worker"
)

// rpcLog is a reverse proxy in front of the node's RPC that keeps the
// bodies of the requests it passed.
type rpcLog struct {
	mu     sync.Mutex
	bodies []string
}

func (l *rpcLog) handler(target string) (http.Handler, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.bodies = append(l.bodies, strings.ToLower(r.URL.RawQuery+string(body)))
		l.mu.Unlock()
		proxy.ServeHTTP(rw, r)
	}), nil
}

// count is how many requests so far contain s (lower case).
func (l *rpcLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, b := range l.bodies {
		if strings.Contains(b, s) {
			n++
		}
	}
	return n
}

// TestIdlePollsReadNoState: a worker polls far more often than blocks come
// (here 20 ms against 1 s blocks); the polls between blocks must not redo
// the round's proven reads (each is an RPC round trip and a proof check),
// so its own registration record, read once per round, is read about
// once per block, not once per poll.
func TestIdlePollsReadNoState(t *testing.T) {
	e, w, log := startLoggedWorker(t)
	key := hex.EncodeToString(registry.WorkerKey(w.ID()))
	blocks, reads := readsOverBlocks(t, e, log, key, 4)
	t.Logf("%d blocks, %d reads of the worker's record", blocks, reads)
	if reads > 2*int(blocks)+2 {
		t.Fatalf("the worker read its record %d times over %d blocks: the polls between blocks redo the round's proven reads", reads, blocks)
	}
	if reads < int(blocks)/2 {
		t.Fatalf("the worker read its record %d times over %d blocks: rounds skipped on new blocks", reads, blocks)
	}
}

// TestRoundReadsAKeyOncePerHeight: the duties of one round read some keys
// again and again at one height (the key rotation, the gatekeeper's step
// and its KMS step each read this worker's gatekeeper record); a value
// proven at a height never changes, so the enclave asks the node for it
// once per height, not once per duty.
func TestRoundReadsAKeyOncePerHeight(t *testing.T) {
	e, w, log := startLoggedWorker(t)
	key := hex.EncodeToString(keys.GatekeeperKey([32]byte(w.ID())))
	blocks, reads := readsOverBlocks(t, e, log, key, 4)
	t.Logf("%d blocks, %d reads of the worker's gatekeeper record", blocks, reads)
	if reads > int(blocks)+1 {
		t.Fatalf("the worker read its gatekeeper record %d times over %d blocks: rounds re-read a key at a height they already proved it at", reads, blocks)
	}
	if reads < int(blocks)/2 {
		t.Fatalf("the worker read its gatekeeper record %d times over %d blocks: rounds skipped on new blocks", reads, blocks)
	}
}

// startLoggedWorker starts a devnet without workers (1 s blocks) and one
// registered worker polling every 20 ms whose node RPC goes through an
// rpcLog.
func startLoggedWorker(t *testing.T) (*env, *worker.Worker, *rpcLog) {
	t.Helper()
	e := newEnvWith(t, devnet.Options{Workers: -1, BlockTime: time.Second})
	log := &rpcLog{}
	h, err := log.handler(e.d.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	home := filepath.Join(t.TempDir(), "w")
	p, err := worker.NewSimProvider(e.simKey, home, pruntime.GenesisHash(e.gen))
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.Start(context.Background(), worker.Options{
		Home: home, Genesis: e.gen, NodeURL: srv.URL, Operator: e.op, Provider: p,
		Poll: 20 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	select {
	case <-w.Registered():
	case <-time.After(60 * time.Second):
		t.Fatal("the worker did not register")
	}
	return e, w, log
}

// readsOverBlocks waits for n more blocks and returns how many blocks
// passed and how many node requests named key (hex) meanwhile.
func readsOverBlocks(t *testing.T, e *env, log *rpcLog, key string, n int64) (int64, int) {
	t.Helper()
	ctx := context.Background()
	st, err := e.client.RPC.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h0, reads0 := st.SyncInfo.LatestBlockHeight, log.count(key)
	var h1 int64
	eventually(t, "more blocks", func() (bool, error) {
		st, err := e.client.RPC.Status(ctx)
		if err != nil {
			return false, err
		}
		h1 = st.SyncInfo.LatestBlockHeight
		return h1 >= h0+n, nil
	})
	return h1 - h0, log.count(key) - reads0
}
