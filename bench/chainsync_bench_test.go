package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// GoalHeadersPerSec is the light client catch-up goal.
const GoalHeadersPerSec = 500

// memLightBlocks is a pre-fetched, already decoded Source: it measures
// verification and acceptance alone.
type memLightBlocks struct{ blocks map[int64]*types.LightBlock }

func (m memLightBlocks) LightBlock(_ context.Context, h int64) (*types.LightBlock, error) {
	lb, ok := m.blocks[h]
	if !ok {
		return nil, fmt.Errorf("no light block %d", h)
	}
	return lb, nil
}

func (m memLightBlocks) LatestHeight(context.Context) (int64, error) {
	return int64(len(m.blocks)), nil
}

func (m memLightBlocks) StateProof(context.Context, []byte, int64) ([]byte, *cmtcrypto.ProofOps, error) {
	return nil, nil, errors.New("no state")
}

// protoLightBlocks holds the light blocks as protobuf bytes and decodes one
// per request: what crossing the host/enclave boundary costs on top.
type protoLightBlocks struct {
	memLightBlocks
	raw map[int64][]byte
}

func (p protoLightBlocks) LightBlock(_ context.Context, h int64) (*types.LightBlock, error) {
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(p.raw[h]); err != nil {
		return nil, err
	}
	return types.LightBlockFromProto(&pb)
}

// BenchmarkLightClientCatchUp measures headers verified and applied per
// second by a fresh chainsync.Sync catching up from genesis over a real
// devnet's first N blocks (N = $CHAINSYNC_BENCH_BLOCKS, default 300):
//
//   - memory: light blocks pre-fetched and decoded (verification alone);
//   - proto: pre-fetched as protobuf bytes, decoded per header (the cost of
//     crossing the enclave boundary included);
//   - rpc: through chainsync.RPCSource against the running node (Commit +
//     Validators per header; RPC latency included).
//
// Each reports headers/s and x-goal = (headers/s) / 500.
//
//	go test ./bench -run '^$' -bench LightClientCatchUp -benchtime 5x
func BenchmarkLightClientCatchUp(b *testing.B) {
	n := int64(300)
	if s := os.Getenv("CHAINSYNC_BENCH_BLOCKS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 2 {
			b.Fatalf("CHAINSYNC_BENCH_BLOCKS=%q", s)
		}
		n = v
	}
	ctx := context.Background()
	home := b.TempDir()
	d, err := devnet.Start(ctx, devnet.Options{Home: home, BlockTime: 10 * time.Millisecond, Workers: -1})
	if err != nil {
		b.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			d.Stop() //nolint:errcheck
		}
	}
	defer stop()
	genesis, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		b.Fatal(err)
	}
	rpc, err := http.New(d.RPCURL, "/websocket")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := devnettest.WaitHeight(ctx, chainsync.NewRPCSource(rpc), n, 5*time.Minute); err != nil {
		b.Fatal(err)
	}
	b.Logf("devnet made %d blocks in %v", n, time.Since(start).Round(time.Millisecond))
	// Restart the node with hour-long blocks: it keeps serving RPC but no
	// longer spends the CPU on 10ms consensus rounds while we measure (a
	// real chain makes a block every few seconds).
	// CometBFT leaves one of its databases locked after an in-process stop,
	// so the node restarts on a copy of its home.
	stop()
	home2 := filepath.Join(b.TempDir(), "home")
	if err := os.CopyFS(home2, os.DirFS(home)); err != nil {
		b.Fatal(err)
	}
	if d, err = devnet.Start(ctx, devnet.Options{Home: home2, BlockTime: time.Hour, Workers: -1}); err != nil {
		b.Fatal(err)
	}
	stopped = false
	if rpc, err = http.New(d.RPCURL, "/websocket"); err != nil {
		b.Fatal(err)
	}

	mem := memLightBlocks{blocks: make(map[int64]*types.LightBlock, n)}
	raw := make(map[int64][]byte, n)
	src := chainsync.NewRPCSource(rpc)
	for h := int64(1); h <= n; h++ {
		lb, err := src.LightBlock(ctx, h)
		if err != nil {
			b.Fatal(err)
		}
		mem.blocks[h] = lb
		pb, err := lb.ToProto()
		if err != nil {
			b.Fatal(err)
		}
		if raw[h], err = pb.Marshal(); err != nil {
			b.Fatal(err)
		}
	}

	catchUp := func(b *testing.B, src func() chainsync.Source) {
		b.Helper()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s, err := chainsync.New(genesis)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Advance(ctx, src(), n); err != nil {
				b.Fatal(err)
			}
			if s.Height() != n {
				b.Fatalf("caught up to %d, want %d", s.Height(), n)
			}
		}
		rate := float64(n) * float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rate, "headers/s")
		b.ReportMetric(rate/GoalHeadersPerSec, "x-goal")
		verdict := "PASS"
		if rate < GoalHeadersPerSec {
			verdict = "MISS"
		}
		b.Logf("%s: %d headers x %d catch-ups: %.0f headers/s; goal >= %d: ratio %.2f %s", b.Name(), n, b.N, rate, GoalHeadersPerSec, rate/GoalHeadersPerSec, verdict)
	}

	// RPC first, while the node runs; the in-memory runs after it stops.
	b.Run("rpc", func(b *testing.B) {
		catchUp(b, func() chainsync.Source { return chainsync.NewRPCSource(rpc) }) // cold validator-set cache each time
	})
	stop()
	b.Run("memory", func(b *testing.B) {
		catchUp(b, func() chainsync.Source { return mem })
	})
	b.Run("proto", func(b *testing.B) {
		catchUp(b, func() chainsync.Source { return protoLightBlocks{memLightBlocks: mem, raw: raw} })
	})
}
