package worker_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/worker"
)

// lockedBuffer collects log lines from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

type env struct {
	d       *devnet.Devnet
	gen     *cmttypes.GenesisDoc
	simKey  ed25519.PrivateKey
	op      ed25519.PrivateKey
	client  *client.Client
	logs    *lockedBuffer
	log     *slog.Logger
	tempDir string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, devnet.Options{RPCPort: 0, Workers: -1})
}

// newEnvWith is newEnv over a devnet started with opts.
func newEnvWith(t *testing.T, opts devnet.Options) *env {
	t.Helper()
	logs := &lockedBuffer{}
	d, c := startDevnet(t, opts, logs)
	home := d.Home
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	op, err := d.Keyring.PrivKey("worker0")
	if err != nil {
		t.Fatal(err)
	}
	return &env{d: d, gen: gen, simKey: simKey, op: op, client: c, logs: logs, log: debugLogger(logs), tempDir: t.TempDir()}
}

func (e *env) startWorker(t *testing.T, home string) *worker.Worker {
	t.Helper()
	p, err := worker.NewSimProvider(e.simKey, home, pruntime.GenesisHash(e.gen))
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.Start(context.Background(), worker.Options{
		Home: home, Genesis: e.gen, NodeURL: e.d.RPCURL, Operator: e.op, Provider: p,
		Logger: e.log, Poll: 50 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// eventually polls cond every 50ms for up to 30s.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	devnettest.Eventually(t, what, 30*time.Second, cond)
}

// openEnclave opens an enclave over home on e's devnet, as the host half
// does, and waits until it has verified two headers.
func (e *env) openEnclave(t *testing.T, home string) (*pruntime.Enclave, chainsync.Source) {
	t.Helper()
	enc := devnettest.OpenEnclave(t, e.simKey, e.gen, home)
	src := chainsync.NewRPCSource(e.client.RPC)
	eventually(t, "two verified headers", func() (bool, error) {
		h, err := enc.Sync(context.Background(), src, nil)
		return h >= 2, err
	})
	return enc, src
}

// register registers enc, operated by e.op, and waits until the enclave
// sees its record.
func (e *env) register(t *testing.T, enc *pruntime.Enclave, src chainsync.Source) {
	t.Helper()
	ctx := context.Background()
	reg, err := enc.Registration(address.FromPubKey(e.op.Public().(ed25519.PublicKey)), 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Send(ctx, e.op, pha.Amount{}, "", reg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "registration visible to the enclave", func() (bool, error) {
		enc.Sync(ctx, src, nil)
		_, ok, _, err := enc.RegisteredWorker(ctx, src)
		return ok, err
	})
}

// registeredEnclave opens an enclave under a fresh home in the env's
// temporary directory and registers it; it returns the home, the enclave
// and its chain source.
func (e *env) registeredEnclave(t *testing.T) (string, *pruntime.Enclave, chainsync.Source) {
	t.Helper()
	home := filepath.Join(e.tempDir, "enclave")
	en, src := e.openEnclave(t, home)
	e.register(t, en, src)
	return home, en, src
}

// benchmark has en sign a benchmark report of 10 ms.
func benchmark(t *testing.T, en *pruntime.Enclave, src chainsync.Source) mq.SignedMessage {
	t.Helper()
	m, err := en.ReportBenchmark(context.Background(), src, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) record(t *testing.T, id registry.WorkerID) (registry.Worker, error) {
	var w registry.Worker
	_, err := e.client.Query(context.Background(), "/registry/worker/"+id.String(), &w)
	return w, err
}

func TestWorkerRegistersAndKeepsIdentity(t *testing.T) {
	e := newEnv(t)
	home := filepath.Join(e.tempDir, "worker")
	w := e.startWorker(t, home)
	select {
	case <-w.Registered():
	case <-time.After(30 * time.Second):
		t.Fatalf("not registered: %+v", w.Status())
	}
	id := w.ID()
	var rec registry.Worker
	eventually(t, "endpoint and registration notice", func() (bool, error) {
		r, err := e.record(t, id)
		rec = r
		return err == nil && r.Endpoint == w.Endpoint() && w.Status().Inbox >= 1, err
	})
	if rec.TEE != "sim" || rec.Operator != address.FromPubKey(e.op.Public().(ed25519.PublicKey)) || !bytes.Equal(rec.Measurement, worker.SimMeasurement()) {
		t.Fatalf("record %+v", rec)
	}
	// The worker's own endpoints: health, readiness, metrics.
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "phala_worker_registered 1"} {
		res, err := http.Get(w.Endpoint() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("%s: %d %q, want %q", path, res.StatusCode, body, want)
		}
	}

	// The benchmark score travels through the mq, signed by the enclave.
	m, err := w.ReportBenchmark(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	score := new(uint64)
	eventually(t, "benchmark on chain", func() (bool, error) {
		r, err := e.record(t, id)
		*score = r.BenchmarkScore
		var seq mq.SequenceResponse
		_, qerr := e.client.Query(context.Background(), "/mq/sequence/worker/"+id.String(), &seq)
		return err == nil && qerr == nil && seq.Next == m.Sequence+1, errors.Join(err, qerr)
	})
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}

	// A restart unseals the same identity and does not register again.
	w2 := e.startWorker(t, home)
	defer w2.Stop()
	if w2.ID() != id {
		t.Fatalf("identity changed across restart: %s -> %s", id, w2.ID())
	}
	select {
	case <-w2.Registered():
	case <-time.After(30 * time.Second):
		t.Fatal("restarted worker never saw its registration")
	}
	if r, _ := e.record(t, id); r.RegisteredHeight != rec.RegisteredHeight || r.AttestedHeight != rec.AttestedHeight {
		t.Fatalf("restart re-registered: %+v then %+v", rec, r)
	}
	w2.Stop()

	// No private key byte outside the sealed files: not in the worker's
	// home, not in the chain's home, not in any log line.
	secrets := unsealSecrets(t, e.simKey, pruntime.GenesisHash(e.gen), home)
	for _, root := range []string{home, e.d.Home} {
		assertNoSecretsUnder(t, root, secrets)
	}
	assertNoSecrets(t, "logs", e.logs.Bytes(), secrets)
	if !bytes.Contains(e.logs.Bytes(), []byte("worker registered")) {
		t.Fatal("the log capture saw nothing; the search above proves nothing")
	}
}

// unsealEntry opens a sim worker's sealed store the way an auditor with the
// sealing key would, and returns one entry.
func unsealEntry(t *testing.T, simKey ed25519.PrivateKey, genesis [32]byte, workerHome, entry string) []byte {
	t.Helper()
	raw, err := devnettest.SealedStore(t, simKey, genesis, workerHome).Get(entry)
	if err != nil {
		t.Fatalf("%s: sealed %s: %v", workerHome, entry, err)
	}
	return raw
}

// unsealSecrets returns the private keys in a worker's sealed identity.
func unsealSecrets(t *testing.T, simKey ed25519.PrivateKey, genesis [32]byte, home string) map[string][]byte {
	t.Helper()
	raw := unsealEntry(t, simKey, genesis, home, pruntime.EntryIdentity)
	var rec pruntime.IdentityRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"identity seed":    rec.IdentitySeed,
		"identity privkey": ed25519.NewKeyFromSeed(rec.IdentitySeed),
		"ecdh privkey":     rec.ECDHKey,
	}
}

// assertNoSecretsUnder searches every file under root except the sealed
// stores.
func assertNoSecretsUnder(t *testing.T, root string, secrets map[string][]byte) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		// The node keeps writing while we look: a temporary file renamed
		// into place between the listing and the read is skipped (its
		// content is searched under its final name).
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() || strings.HasSuffix(path, sealed.Suffix) {
			return err
		}
		raw, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		assertNoSecrets(t, path, raw, secrets)
		return nil
	})
	if err != nil {
		t.Fatalf("search %s: %v", root, err)
	}
}

func assertNoSecrets(t *testing.T, where string, data []byte, secrets map[string][]byte) {
	t.Helper()
	for name, s := range secrets {
		for form, needle := range map[string][]byte{
			"raw": s, "hex": []byte(hex.EncodeToString(s)), "HEX": []byte(strings.ToUpper(hex.EncodeToString(s))),
			"base64": []byte(base64.StdEncoding.EncodeToString(s)), "base64url": []byte(base64.RawURLEncoding.EncodeToString(s)),
		} {
			if bytes.Contains(data, needle) {
				t.Errorf("%s: found the %s (%s)", where, name, form)
			}
		}
	}
}

// TestOutboxResumesAfterRestart: messages signed before a crash are sent
// after it with the same sequence numbers; no gap, no duplicate.
func TestOutboxResumesAfterRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	home, e1, src := e.registeredEnclave(t)
	post := func(en *pruntime.Enclave) mq.SignedMessage { return benchmark(t, en, src) }
	m0, m1 := post(e1), post(e1)
	if m0.Sequence != 0 || m1.Sequence != 1 {
		t.Fatalf("sequences %d %d", m0.Sequence, m1.Sequence)
	}

	// Crash before anything was sent; a new enclave over the same store.
	e2, _ := e.openEnclave(t, home)
	if e2.ID() != e1.ID() {
		t.Fatal("identity changed")
	}
	// A restarted enclave's outbox waits until it has read the chain as of
	// the height where it started.
	var pending []mq.SignedMessage
	var err error
	eventually(t, "the restarted enclave to read the chain as of its start", func() (bool, error) {
		e2.Sync(ctx, src, nil)
		pending, err = e2.Pending(ctx, src)
		return err == nil, nil
	})
	if len(pending) != 2 || !bytes.Equal(pending[0].Signature, m0.Signature) || !bytes.Equal(pending[1].Signature, m1.Signature) {
		t.Fatalf("pending after restart: %+v", pending)
	}
	send := func(m mq.SignedMessage) error {
		_, err := e.client.Send(ctx, e.op, pha.Amount{}, "", &mq.MsgPush{Message: m})
		return err
	}
	if err := send(m0); err != nil {
		t.Fatal(err)
	}
	m2 := post(e2)
	if m2.Sequence != 2 {
		t.Fatalf("new message got sequence %d, want 2", m2.Sequence)
	}
	eventually(t, "the enclave to see message 0 on chain", func() (bool, error) {
		e2.Sync(ctx, src, nil)
		pending, err = e2.Pending(ctx, src)
		return err == nil && len(pending) == 2 && pending[0].Sequence == 1, err
	})
	for _, m := range pending {
		if err := send(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := send(m1); !errors.Is(err, mq.ErrStaleSequence) {
		t.Fatalf("duplicate of message 1: %v", err)
	}
	var seq mq.SequenceResponse
	if _, err := e.client.Query(ctx, "/mq/sequence/worker/"+e2.ID().String(), &seq); err != nil || seq.Next != 3 {
		t.Fatalf("next sequence %d (%v), want 3", seq.Next, err)
	}
	rec, _ := e.record(t, e2.ID())
	if want := pruntime.BenchmarkScore(m2); rec.BenchmarkScore != want {
		t.Fatalf("score %d, want %d", rec.BenchmarkScore, want)
	}
}

// devnetGenesis is the genesis hash of the devnet whose home is home.
func devnetGenesis(t *testing.T, home string) [32]byte {
	t.Helper()
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	return pruntime.GenesisHash(gen)
}
