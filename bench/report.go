package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is the result of one run. Every number in it was measured in
// that run.
type Report struct {
	Date      time.Time `json:"date"`
	GoVersion string    `json:"go_version"`
	Platform  string    `json:"platform"`
	CPUs      int       `json:"cpus"`
	CPUModel  string    `json:"cpu_model"`

	Txs       int    `json:"txs"`
	Senders   int    `json:"senders"`
	BlockTime string `json:"block_time"`
	// TxBytes is the average size of a signed transfer; kvstore txs are
	// padded to it.
	TxBytes int `json:"tx_bytes"`

	Ours    EngineRun `json:"ours"`
	KVStore EngineRun `json:"kvstore"`
	Limit   Limit     `json:"limit"`

	// RatioKVStore is ours / kvstore committed tx/s.
	RatioKVStore float64 `json:"ratio_ours_kvstore"`
	// RatioLimit is ours / machine limit tx/s.
	RatioLimit float64 `json:"ratio_ours_limit"`

	GoalTxPerSec   float64 `json:"goal_tx_per_sec"`
	GoalLimitRatio float64 `json:"goal_limit_ratio"`
	// Pass is true when both goals are met; Verdict says which missed.
	Pass    bool   `json:"pass"`
	Verdict string `json:"verdict"`
}

// EngineRun is one app's run on the node.
type EngineRun struct {
	App       string `json:"app"`
	Txs       int    `json:"txs"`
	Committed int    `json:"committed"`
	Blocks    int    `json:"blocks"`
	// Seconds runs from the first submission to the NewBlock event of the
	// block that committed the last tx.
	Seconds float64 `json:"seconds"`
	// SubmitSeconds is how long the mempool took to accept every tx
	// (CheckTx of all of them).
	SubmitSeconds  float64 `json:"submit_seconds"`
	TxPerSec       float64 `json:"tx_per_sec"`
	AvgTxsPerBlock float64 `json:"avg_txs_per_block"`
	MaxTxsPerBlock int     `json:"max_txs_per_block"`
}

// Limit is this machine's limit for our transfers, measured on one core.
type Limit struct {
	VerifsPerSec      float64 `json:"ed25519_verifs_per_sec"`
	WritesPerSec      float64 `json:"state_writes_per_sec"`
	WritesPerTransfer int     `json:"writes_per_transfer"`
	// BlockTxs is the transfers per commit in the write measurement: the
	// average block of our run.
	BlockTxs int     `json:"block_txs"`
	Formula  string  `json:"formula"`
	TxPerSec float64 `json:"tx_per_sec"`
}

func newReport(o Options) *Report {
	return &Report{
		Date:           time.Now().UTC().Truncate(time.Second),
		GoVersion:      runtime.Version(),
		Platform:       runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:           runtime.NumCPU(),
		CPUModel:       cpuModel(),
		Txs:            o.Txs,
		Senders:        o.Senders,
		BlockTime:      o.BlockTime.String(),
		GoalTxPerSec:   GoalTxPerSec,
		GoalLimitRatio: GoalLimitRatio,
	}
}

func (r *Report) finish() {
	r.RatioKVStore = r.Ours.TxPerSec / r.KVStore.TxPerSec
	r.RatioLimit = r.Ours.TxPerSec / r.Limit.TxPerSec
	var miss []string
	if r.Ours.TxPerSec < r.GoalTxPerSec {
		miss = append(miss, fmt.Sprintf("%.0f tx/s < %.0f", r.Ours.TxPerSec, r.GoalTxPerSec))
	}
	if r.RatioLimit < r.GoalLimitRatio {
		miss = append(miss, fmt.Sprintf("%.2f of the limit < %.2f", r.RatioLimit, r.GoalLimitRatio))
	}
	r.Pass = len(miss) == 0
	if r.Pass {
		r.Verdict = "PASS"
	} else {
		r.Verdict = "MISS: " + strings.Join(miss, "; ")
	}
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// WriteText prints the report as a table with the limit formula explained.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "phala bench transfers — %s\n", r.Date.Format(time.RFC3339))
	fmt.Fprintf(w, "machine: %s, %d CPUs, %s, %s\n", r.CPUModel, r.CPUs, r.Platform, r.GoVersion)
	fmt.Fprintf(w, "workload: %d signed transfers (%d bytes) from %d senders, 1 validator, %s blocks\n\n",
		r.Txs, r.TxBytes, r.Senders, r.BlockTime)

	fmt.Fprintf(w, "%-32s %10s %7s %9s %9s %11s\n", "app on CometBFT v0.38", "committed", "blocks", "submit s", "total s", "tx/s")
	for _, e := range []EngineRun{r.Ours, r.KVStore} {
		fmt.Fprintf(w, "%-32s %10d %7d %9.2f %9.2f %11.0f\n", e.App, e.Committed, e.Blocks, e.SubmitSeconds, e.Seconds, e.TxPerSec)
	}
	fmt.Fprintln(w)
	l := r.Limit
	fmt.Fprintf(w, "machine limit (measured now, one core, no node running):\n")
	fmt.Fprintf(w, "  ed25519 verifications      %11.0f /s  (crypto/ed25519 over our sign bytes)\n", l.VerifsPerSec)
	fmt.Fprintf(w, "  state writes               %11.0f /s  (IAVL on LevelDB, %d transfers per commit)\n", l.WritesPerSec, l.BlockTxs)
	fmt.Fprintf(w, "  writes per transfer W      %11d     (sender: fee and debit; recipient: credit)\n", l.WritesPerTransfer)
	fmt.Fprintf(w, "  limit = %s = %.0f tx/s\n", l.Formula, l.TxPerSec)
	fmt.Fprintf(w, "  (the one-core bound: one verification plus W writes per transfer; the node verifies on a second core)\n\n")

	fmt.Fprintf(w, "%-32s %11s\n", "result", "")
	fmt.Fprintf(w, "%-32s %11.0f\n", "ours tx/s", r.Ours.TxPerSec)
	fmt.Fprintf(w, "%-32s %11.0f\n", "kvstore tx/s", r.KVStore.TxPerSec)
	fmt.Fprintf(w, "%-32s %11.2f\n", "ours / kvstore", r.RatioKVStore)
	fmt.Fprintf(w, "%-32s %11.0f\n", "limit tx/s", l.TxPerSec)
	fmt.Fprintf(w, "%-32s %11.2f\n", "ours / limit", r.RatioLimit)
	fmt.Fprintf(w, "%-32s %11s\n", fmt.Sprintf("goal >= %.0f tx/s", r.GoalTxPerSec), passMiss(r.Ours.TxPerSec >= r.GoalTxPerSec))
	fmt.Fprintf(w, "%-32s %11s\n", fmt.Sprintf("goal >= %.1f of limit", r.GoalLimitRatio), passMiss(r.RatioLimit >= r.GoalLimitRatio))
	fmt.Fprintf(w, "verdict: %s\n", r.Verdict)
}

// cpuModel reads the CPU model name on Linux.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
