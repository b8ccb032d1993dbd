package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestTransfersSmoke checks the harness end to end on a few hundred
// transfers: every tx commits on both apps and every number is positive.
// It asserts nothing about speed.
func TestTransfersSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	r, err := Transfers(ctx, Options{Txs: 300, Senders: 10, BlockTime: 50 * time.Millisecond, MeasureTime: 100 * time.Millisecond, Out: &progress})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	for _, e := range []EngineRun{r.Ours, r.KVStore} {
		if e.Committed != 300 || e.Txs != 300 {
			t.Errorf("%s: committed %d of %d, want 300", e.App, e.Committed, e.Txs)
		}
		if e.Blocks <= 0 || e.Seconds <= 0 || e.TxPerSec <= 0 || e.SubmitSeconds <= 0 || e.AvgTxsPerBlock <= 0 {
			t.Errorf("%s: non-positive field in %+v", e.App, e)
		}
	}
	l := r.Limit
	if l.VerifsPerSec <= 0 || l.WritesPerSec <= 0 || l.TxPerSec <= 0 || l.WritesPerTransfer != WritesPerTransfer || l.BlockTxs <= 0 {
		t.Errorf("limit has a non-positive field: %+v", l)
	}
	if l.TxPerSec >= l.VerifsPerSec || l.TxPerSec >= l.WritesPerSec/float64(l.WritesPerTransfer) {
		t.Errorf("limit %.0f tx/s is not below both of its parts: %+v", l.TxPerSec, l)
	}
	if r.RatioKVStore <= 0 || r.RatioLimit <= 0 || r.TxBytes <= 0 || r.Verdict == "" {
		t.Errorf("report has a non-positive field: %+v", r)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	for _, want := range []string{"ours / kvstore", "ours / limit", "1 / (1/verifs + W/writes)", "verdict:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}

func TestKVStoreTxsMatchSize(t *testing.T) {
	txs := kvstoreTxs(3, 180)
	seen := map[string]bool{}
	for _, tx := range txs {
		if len(tx) != 180 || strings.Count(string(tx), "=") != 1 || seen[string(tx)] {
			t.Fatalf("bad kvstore tx %q", tx)
		}
		seen[string(tx)] = true
	}
}

// BenchmarkTransfers runs the whole benchmark with b.N transfers (at least
// 1000), so -benchtime 20000x reproduces the default run. It reports the
// committed rate, the kvstore anchor, the machine limit and both ratios.
//
//	go test ./bench -run '^$' -bench Transfers -benchtime 20000x
func BenchmarkTransfers(b *testing.B) {
	r, err := Transfers(context.Background(), Options{Txs: max(b.N, 1000)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Ours.TxPerSec, "tx/s")
	b.ReportMetric(r.KVStore.TxPerSec, "kvstore-tx/s")
	b.ReportMetric(r.Limit.TxPerSec, "limit-tx/s")
	b.ReportMetric(r.RatioKVStore, "ours/kvstore")
	b.ReportMetric(r.RatioLimit, "ours/limit")
}

// BenchmarkTransfersNodeOnly runs only the phala node part, b.N transfers
// (at least 1000), for profiling the node without the anchor and the limit:
//
//	go test ./bench -run '^$' -bench NodeOnly -benchtime 20000x -cpuprofile cpu.out
func BenchmarkTransfersNodeOnly(b *testing.B) {
	o := Options{Txs: max(b.N, 1000)}
	if err := o.defaults(); err != nil {
		b.Fatal(err)
	}
	w := newWorkload(o.Txs, o.Senders)
	b.ResetTimer()
	run, err := runEngine(context.Background(), o, b.TempDir(), w, oursEngine)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(run.TxPerSec, "tx/s")
	b.ReportMetric(run.SubmitSeconds, "submit-s")
	b.ReportMetric(float64(run.Blocks), "blocks")
}
