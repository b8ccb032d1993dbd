package lightclient_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client/lightclient"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Two in-process devnets (no workers): A is the chain the client trusts,
// B another chain whose headers are validly signed by its own validators.
var (
	netsOnce   sync.Once
	netsErr    error
	netA, netB *net
	stops      []func()
)

type net struct {
	d   *devnet.Devnet
	src *chainsync.RPCSource
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	os.Exit(code)
}

func needNets(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two devnets")
	}
	netsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lightclient-test-")
		if err != nil {
			netsErr = err
			return
		}
		stops = append(stops, func() { os.RemoveAll(dir) })
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for i, p := range []**net{&netA, &netB} {
			d, err := devnet.Start(ctx, devnet.Options{Home: filepath.Join(dir, []string{"a", "b"}[i]), BlockTime: 100 * time.Millisecond, Workers: -1})
			if err != nil {
				netsErr = err
				return
			}
			stops = append(stops, func() { d.Stop() }) //nolint:errcheck
			rpc, err := http.New(d.RPCURL, "/websocket")
			if err != nil {
				netsErr = err
				return
			}
			*p = &net{d: d, src: chainsync.NewRPCSource(rpc)}
		}
		for _, n := range []*net{netA, netB} {
			if netsErr = devnettest.WaitHeight(ctx, n.src, 6, time.Minute); netsErr != nil {
				return
			}
		}
	})
	if netsErr != nil {
		t.Fatal(netsErr)
	}
}

// lying wraps a source: it may replace light blocks and state values.
type lying struct {
	lightclient.Source
	header func(lb *types.LightBlock) *types.LightBlock
	value  func(key, v []byte) []byte
}

func (l *lying) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	lb, err := l.Source.LightBlock(ctx, h)
	if err != nil || l.header == nil {
		return lb, err
	}
	return l.header(lb), nil
}

func (l *lying) StateProof(ctx context.Context, key []byte, h int64) ([]byte, *cmtcrypto.ProofOps, error) {
	v, p, err := l.Source.StateProof(ctx, key, h)
	if err != nil || l.value == nil {
		return v, p, err
	}
	return l.value(key, v), p, nil
}

func alice(t *testing.T) []byte {
	info, err := netA.d.Keyring.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	return balances.AccountKey(info.Address)
}

func open(t *testing.T, src lightclient.Source, o lightclient.Options) (*lightclient.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	return lightclient.Open(ctx, src, o)
}

// TestTrustOnFirstUseThenForward: the first use trusts the node's header
// and says so; the root is kept in the file, reads are proven and move it
// forward only.
func TestTrustOnFirstUseThenForward(t *testing.T) {
	needNets(t)
	file := filepath.Join(t.TempDir(), "light", "root.json")
	var warn bytes.Buffer
	lc, err := open(t, netA.src, lightclient.Options{File: file, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "WARNING") || !strings.Contains(warn.String(), "trusting the node's header") {
		t.Fatalf("no trust-on-first-use warning: %q", warn.String())
	}
	first := lc.Root()
	v, h, err := lc.State(context.Background(), alice(t))
	if err != nil || len(v) == 0 || h < first.Height-1 {
		t.Fatalf("proven read: %x at %d: %v", v, h, err)
	}
	if _, err := lc.VerifyTo(context.Background(), first.Height-1); !errors.Is(err, lightclient.ErrHeaderChain) {
		t.Fatalf("verify below the root: %v, want ErrHeaderChain", err)
	}
	// Reopened, the client starts from the kept root, with no warning.
	warn.Reset()
	again, err := open(t, netA.src, lightclient.Options{File: file, Warn: &warn})
	if err != nil || warn.Len() != 0 {
		t.Fatalf("reopen: %v, warning %q", err, warn.String())
	}
	if again.Root().Height < first.Height || again.Root().ChainID != first.ChainID {
		t.Fatalf("root moved back: %+v after %+v", again.Root(), first)
	}
	// Commands run at once in one home each verify and save the root: none
	// fails on another's temp file (seen in CI: "rename ….tmp: no such file").
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := open(t, netA.src, lightclient.Options{File: file, Warn: io.Discard}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent open: %v", err)
	}
}

// TestLyingNode: each lie of a node gets an error naming the failed check,
// and the root does not move.
func TestLyingNode(t *testing.T) {
	needNets(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		src   func(s lightclient.Source, above int64) lightclient.Source
		want  error
		check string
	}{
		{"forged value", func(s lightclient.Source, _ int64) lightclient.Source {
			return &lying{Source: s, value: func(_, v []byte) []byte { return append(bytes.Clone(v), '!') }}
		}, chainsync.ErrBadProof, "membership check failed"},
		{"value said absent", func(s lightclient.Source, _ int64) lightclient.Source {
			return &lying{Source: s, value: func(_, _ []byte) []byte { return nil }}
		}, chainsync.ErrBadProof, "non-membership check failed"},
		{"forged app hash", func(s lightclient.Source, above int64) lightclient.Source {
			return &lying{Source: s, header: func(lb *types.LightBlock) *types.LightBlock {
				if lb.Height <= above {
					return lb
				}
				lb.AppHash = bytes.Repeat([]byte{7}, 32)
				lb.Commit.BlockID.Hash = lb.Header.Hash() // only the signatures can tell
				return lb
			}}
		}, lightclient.ErrBadHeader, "commit-signatures check failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lc, err := open(t, netA.src, lightclient.Options{File: filepath.Join(t.TempDir(), "root.json")})
			if err != nil {
				t.Fatal(err)
			}
			root := lc.Root()
			if err := devnettest.WaitHeight(ctx, netA.src, root.Height+2, time.Minute); err != nil {
				t.Fatal(err)
			}
			// The same root, now read through the liar.
			liar, err := open(t, tc.src(netA.src, root.Height), lightclient.Options{File: filepath.Join(t.TempDir(), "root.json"), TrustHeight: root.Height, TrustHash: mustHex(root.Hash)})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = liar.State(ctx, alice(t))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.check) {
				t.Fatalf("read through a %s: %v, want %v naming %q", tc.name, err, tc.want, tc.check)
			}
			t.Log(err)
			if tc.want == lightclient.ErrBadHeader && liar.Root().Height != root.Height {
				t.Fatalf("root moved to a forged header: %+v", liar.Root())
			}
		})
	}
}

// TestRootMismatch: a kept root the node's chain does not have (another
// chain, or a fork) and a wrong --trust-hash are refused by name.
func TestRootMismatch(t *testing.T) {
	needNets(t)
	file := filepath.Join(t.TempDir(), "root.json")
	b, err := open(t, netB.src, lightclient.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(t, netA.src, lightclient.Options{File: file}); !errors.Is(err, lightclient.ErrRootMismatch) || !strings.Contains(err.Error(), "hash check failed") {
		t.Fatalf("B's root against A: %v, want ErrRootMismatch", err)
	}
	if _, err := open(t, netA.src, lightclient.Options{File: filepath.Join(t.TempDir(), "r.json"), TrustHeight: b.Root().Height, TrustHash: mustHex(b.Root().Hash)}); !errors.Is(err, lightclient.ErrRootMismatch) {
		t.Fatalf("--trust-hash of B against A: %v, want ErrRootMismatch", err)
	}
	// A non-adjacent header from the other chain does not chain to A's root.
	a, err := open(t, netA.src, lightclient.Options{File: filepath.Join(t.TempDir(), "a.json")})
	if err != nil {
		t.Fatal(err)
	}
	mixed := &lying{Source: netA.src, header: func(lb *types.LightBlock) *types.LightBlock {
		if lb.Height > a.Root().Height {
			other, err := netB.src.LightBlock(context.Background(), lb.Height)
			if err == nil {
				return other
			}
		}
		return lb
	}}
	lc, err := open(t, mixed, lightclient.Options{File: filepath.Join(t.TempDir(), "m.json"), TrustHeight: a.Root().Height, TrustHash: mustHex(a.Root().Hash)})
	if err != nil {
		t.Fatal(err)
	}
	if err := devnettest.WaitHeight(context.Background(), netB.src, a.Root().Height+3, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.VerifyTo(context.Background(), a.Root().Height+3); !errors.Is(err, lightclient.ErrHeaderChain) {
		t.Fatalf("B's header after A's root: %v, want ErrHeaderChain", err)
	}
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// pruned is a source that no longer serves the light blocks below lowest,
// as a node run with --retain-blocks.
type pruned struct {
	lightclient.Source
	lowest int64
}

func (p *pruned) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	if h < p.lowest {
		return nil, fmt.Errorf("height %d is not available, lowest height is %d", h, p.lowest)
	}
	return p.Source.LightBlock(ctx, h)
}

// TestKeptRootPrunedByNode: a node that pruned the block of the kept root
// (--retain-blocks) cannot serve it again; the client goes on from the
// root's light block kept in the file, verifies forward and moves the
// root above the pruned blocks.
func TestKeptRootPrunedByNode(t *testing.T) {
	needNets(t)
	file := filepath.Join(t.TempDir(), "light", "root.json")
	lc, err := open(t, netA.src, lightclient.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	root := lc.Root()
	if err := devnettest.WaitHeight(context.Background(), netA.src, root.Height+3, time.Minute); err != nil {
		t.Fatal(err)
	}
	lc, err = open(t, &pruned{Source: netA.src, lowest: root.Height + 2}, lightclient.Options{File: file})
	if err != nil {
		t.Fatalf("reopen after the node pruned the root's block: %v", err)
	}
	if _, h, err := lc.State(context.Background(), alice(t)); err != nil || h <= root.Height {
		t.Fatalf("proven read after pruning: at %d: %v", h, err)
	}
	if got := lc.Root(); got.Height <= root.Height+1 {
		t.Fatalf("the root stayed at %d, below the pruned blocks", got.Height)
	}
}

// behind wraps a source whose LatestHeight answers a height below what the
// client has already verified: what one of several goroutines sharing a
// client sees when another moved the root past the height it was told.
type behind struct {
	lightclient.Source
	lag int64
}

func (b *behind) LatestHeight(ctx context.Context) (int64, error) {
	h, err := b.Source.LatestHeight(ctx)
	return h - b.lag, err
}

// TestReadsWhenRootIsAhead: a proven read whose "latest" height is below
// the root (a concurrent read moved it there) is served at the root, not
// refused by the forward-only check; VerifyTo below the root still is.
func TestReadsWhenRootIsAhead(t *testing.T) {
	needNets(t)
	ctx := context.Background()
	lc, err := open(t, netA.src, lightclient.Options{File: filepath.Join(t.TempDir(), "light", "root.json")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lc.State(ctx, alice(t)); err != nil {
		t.Fatal(err)
	}
	root := lc.Root()
	hash, err := hex.DecodeString(root.Hash)
	if err != nil {
		t.Fatal(err)
	}
	lagging, err := lightclient.Open(ctx, &behind{Source: netA.src, lag: 3}, lightclient.Options{Warn: io.Discard, TrustHeight: root.Height, TrustHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if v, h, err := lagging.State(ctx, alice(t)); err != nil || len(v) == 0 || h < root.Height-1 {
		t.Fatalf("proven read with the root ahead of the node's latest height: %x at %d: %v", v, h, err)
	}
	if _, _, err := lagging.FreshStates(ctx, alice(t)); err != nil {
		t.Fatalf("fresh read with the root ahead of the node's latest height: %v", err)
	}
}

// TestHeaderBackward: a header below the trusted root is verified back
// along the parent hashes; one the node forged (another app hash, a commit
// made to match) breaks the chain and is refused by name; a header above
// the root is verified forward.
func TestHeaderBackward(t *testing.T) {
	needNets(t)
	ctx := context.Background()
	lc, err := open(t, netA.src, lightclient.Options{File: filepath.Join(t.TempDir(), "root.json")})
	if err != nil {
		t.Fatal(err)
	}
	root := lc.Root()
	if root.Height < 4 {
		t.Fatalf("root at %d, want at least 4", root.Height)
	}
	old := root.Height - 3
	want, err := netA.src.LightBlock(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	got, err := lc.Header(ctx, old)
	if err != nil || !bytes.Equal(got.Hash(), want.Hash()) {
		t.Fatalf("header %d below the root: %v, %v", old, got, err)
	}
	liar, err := open(t, &lying{Source: netA.src, header: func(lb *types.LightBlock) *types.LightBlock {
		if lb.Height == old+1 {
			lb.AppHash = bytes.Repeat([]byte{7}, 32)
			lb.Commit.BlockID.Hash = lb.Header.Hash()
		}
		return lb
	}}, lightclient.Options{File: filepath.Join(t.TempDir(), "root.json"), TrustHeight: root.Height, TrustHash: mustHex(root.Hash)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := liar.Header(ctx, old); !errors.Is(err, lightclient.ErrHeaderChain) || !strings.Contains(err.Error(), "parent-hash check failed") {
		t.Fatalf("header %d through a node that forged header %d: %v, want ErrHeaderChain naming the parent-hash check", old, old+1, err)
	}
	if err := devnettest.WaitHeight(ctx, netA.src, root.Height+1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if h, err := lc.Header(ctx, root.Height+1); err != nil || h.Height != root.Height+1 || lc.Root().Height != root.Height+1 {
		t.Fatalf("header above the root: %v, %v; root now %d", h, err, lc.Root().Height)
	}
}
