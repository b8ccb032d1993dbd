package chainsync_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// net is one running devnet with what the tests need of it.
type net struct {
	d       *devnet.Devnet
	genesis *types.GenesisDoc
	rpc     *http.HTTP
	src     *chainsync.RPCSource
}

// Two independent devnets: A is the chain under test, B (same chain id,
// other validator key, other accounts) is where a lying host gets real but
// foreign headers, validator sets and proofs.
var netA, netB *net

const minHeight = 8 // every test can rely on this many blocks

var (
	netsOnce sync.Once
	netsErr  error
	netsStop []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(netsStop) - 1; i >= 0; i-- {
		netsStop[i]()
	}
	os.Exit(code)
}

// startNets starts both devnets, once, for the tests that need them.
func startNets() error {
	dir, err := os.MkdirTemp("", "chainsync-test-")
	if err != nil {
		return err
	}
	netsStop = append(netsStop, func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, p := range []**net{&netA, &netB} {
		n, err := startNet(ctx, filepath.Join(dir, fmt.Sprint("net", i)))
		if err != nil {
			return fmt.Errorf("start devnet: %w", err)
		}
		netsStop = append(netsStop, func() { n.d.Stop() }) //nolint:errcheck
		*p = n
	}
	for _, n := range []*net{netA, netB} {
		if err := devnettest.WaitHeight(ctx, n.src, minHeight, 30*time.Second); err != nil {
			return err
		}
	}
	return nil
}

func startNet(ctx context.Context, home string) (*net, error) {
	d, err := devnet.Start(ctx, devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: -1})
	if err != nil {
		return nil, err
	}
	g, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		d.Stop() //nolint:errcheck
		return nil, err
	}
	c, err := http.New(d.RPCURL, "/websocket")
	if err != nil {
		d.Stop() //nolint:errcheck
		return nil, err
	}
	return &net{d: d, genesis: g, rpc: c, src: chainsync.NewRPCSource(c)}, nil
}

func needDevnet(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two devnets")
	}
	netsOnce.Do(func() { netsErr = startNets() })
	if netsErr != nil {
		t.Fatal(netsErr)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// lyingSource wraps a real source and rewrites some of its answers.
type lyingSource struct {
	chainsync.Source
	lightBlock func(h int64, lb *types.LightBlock) (*types.LightBlock, error) // nil: honest
	stateProof func(key []byte, h int64, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps, error)
	latest     func() (int64, error)
}

func (l *lyingSource) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	lb, err := l.Source.LightBlock(ctx, h)
	if err != nil || l.lightBlock == nil {
		return lb, err
	}
	return l.lightBlock(h, lb)
}

func (l *lyingSource) StateProof(ctx context.Context, key []byte, h int64) ([]byte, *cmtcrypto.ProofOps, error) {
	v, p, err := l.Source.StateProof(ctx, key, h)
	if err != nil || l.stateProof == nil {
		return v, p, err
	}
	return l.stateProof(key, h, v, p)
}

func (l *lyingSource) LatestHeight(ctx context.Context) (int64, error) {
	if l.latest != nil {
		return l.latest()
	}
	return l.Source.LatestHeight(ctx)
}

// lieAt returns a source that answers height `at` with lie(real block).
func lieAt(real chainsync.Source, at int64, lie func(lb *types.LightBlock) (*types.LightBlock, error)) *lyingSource {
	return &lyingSource{Source: real, lightBlock: func(h int64, lb *types.LightBlock) (*types.LightBlock, error) {
		if h != at {
			return lb, nil
		}
		return lie(lb)
	}}
}

func mustLB(t *testing.T, n *net, h int64) *types.LightBlock {
	t.Helper()
	lb, err := n.src.LightBlock(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return lb
}

func synced(t *testing.T, n *net, to int64) *chainsync.Sync {
	t.Helper()
	s, err := chainsync.New(n.genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(ctxT(t), n.src, to); err != nil {
		t.Fatalf("honest advance to %d: %v", to, err)
	}
	return s
}

func accountKey(t *testing.T, n *net, name string) []byte {
	t.Helper()
	info, err := n.d.Keyring.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return balances.AccountKey(info.Address)
}

func TestProofConstantsMatchApp(t *testing.T) {
	if chainsync.ProofOpICS23 != app.ProofOpICS23 || chainsync.PathStore != app.PathStore {
		t.Fatalf("chainsync (%q, %q) and chain/app (%q, %q) disagree", chainsync.ProofOpICS23, chainsync.PathStore, app.ProofOpICS23, app.PathStore)
	}
}

func TestHonestDevnet(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	s, err := chainsync.New(netA.genesis)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.VerifiedState(ctx, netA.src, accountKey(t, netA, "alice")); !errors.Is(err, chainsync.ErrBehind) {
		t.Fatalf("state before any header: %v, want chainsync.ErrBehind", err)
	}
	if err := s.AdvanceToLatest(ctx, netA.src); err != nil {
		t.Fatal(err)
	}
	top := s.Height()
	if top < minHeight {
		t.Fatalf("synced to %d, want >= %d", top, minHeight)
	}
	for h := int64(1); h <= top; h++ {
		sh, ok := s.Header(h)
		if !ok {
			t.Fatalf("header %d missing from the window", h)
		}
		blk, err := netA.rpc.Block(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sh.Hash(), blk.BlockID.Hash) {
			t.Fatalf("verified header %d is not the node's block", h)
		}
	}

	// alice's account: the verified value is the node's value.
	key := accountKey(t, netA, "alice")
	v, h, err := s.VerifiedState(ctx, netA.src, key)
	if err != nil {
		t.Fatal(err)
	}
	if h != top-1 {
		t.Fatalf("state height %d, want %d (latest verified header - 1)", h, top-1)
	}
	raw, err := netA.rpc.ABCIQueryWithOptions(ctx, app.PathStore, key, rpcclient.ABCIQueryOptions{Height: h})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) == 0 || !bytes.Equal(v, raw.Response.Value) {
		t.Fatalf("verified value %X, node says %X", v, raw.Response.Value)
	}
	bal, err := pha.FromBytes(v[:pha.Size])
	if err != nil || bal.Cmp(devnet.AccountFunds) > 0 || bal.IsZero() {
		t.Fatalf("alice's verified balance %v (%v), funded with %v", bal, err, devnet.AccountFunds)
	}

	// An absent key: nil, nil, and the node's non-membership proof is what
	// says so.
	absent := balances.AccountKey(randomAddress(t))
	v, h, err = s.VerifiedState(ctx, netA.src, absent)
	if err != nil || v != nil {
		t.Fatalf("absent key: value %X, err %v; want nil, nil", v, err)
	}
	_, proof, err := netA.src.StateProof(ctx, absent, h)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := s.Header(h + 1)
	if _, err := chainsync.VerifyStoreProof(next.AppHash, absent, []byte("x"), proof); !errors.Is(err, chainsync.ErrBadProof) {
		t.Fatalf("a value for an absent key verified: %v", err)
	}

	// Older state in the window still verifies.
	if v, err := s.VerifiedStateAt(ctx, netA.src, key, 2); err != nil || len(v) == 0 {
		t.Fatalf("state at height 2: %X, %v", v, err)
	}
	if _, err := s.VerifiedStateAt(ctx, netA.src, key, top); !errors.Is(err, chainsync.ErrBehind) {
		t.Fatalf("state at the latest verified height: %v, want chainsync.ErrBehind", err)
	}

	// Keep following the chain.
	if err := devnettest.WaitHeight(ctx, netA.src, top+3, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(ctx, netA.src, top+3); err != nil {
		t.Fatal(err)
	}
	if s.Height() != top+3 {
		t.Fatalf("height %d, want %d", s.Height(), top+3)
	}
	if err := s.Advance(ctx, netA.src, 2); err != nil || s.Height() != top+3 {
		t.Fatalf("advance backwards: %v, height %d", err, s.Height())
	}
}

func randomAddress(t *testing.T) address.Address {
	var a address.Address
	if _, err := rand.Read(a[:]); err != nil {
		t.Fatal(err)
	}
	return a
}

func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	return c
}

func TestForgedHeadersDevnet(t *testing.T) {
	needDevnet(t)
	const k = 4 // the height the host lies about
	cases := []struct {
		name string
		at   int64
		lie  func(lb *types.LightBlock) (*types.LightBlock, error)
		want error
	}{
		{"app hash changed", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.AppHash = flip(lb.Header.AppHash)
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"app hash changed and commit block id rewritten", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.AppHash = flip(lb.Header.AppHash)
			lb.Commit.BlockID.Hash = lb.Header.Hash() // now only the signatures can tell
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"height changed", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.Height++
			lb.Commit.Height++
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"time changed", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.Time = lb.Header.Time.Add(time.Nanosecond)
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"next validators changed", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.NextValidatorsHash = mustLB(t, netB, k).Header.NextValidatorsHash
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"commit of another height", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Commit = mustLB(t, netA, k+1).Commit
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"signatures stripped", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			for i := range lb.Commit.Signatures {
				lb.Commit.Signatures[i] = types.NewCommitSigAbsent()
			}
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"header from another devnet", k, func(*types.LightBlock) (*types.LightBlock, error) {
			return mustLB(t, netB, k), nil
		}, chainsync.ErrForgedHeader},
		{"another devnet's header linked to ours", k, func(lb *types.LightBlock) (*types.LightBlock, error) {
			b := mustLB(t, netB, k)
			b.Header.LastBlockID = lb.Header.LastBlockID
			return b, nil
		}, chainsync.ErrForgedHeader},
		{"skips a height", k, func(*types.LightBlock) (*types.LightBlock, error) {
			return mustLB(t, netA, k+1), nil
		}, chainsync.ErrForgedHeader},
		{"first header's app hash changed", 1, func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.AppHash = flip(lb.Header.AppHash)
			lb.Commit.BlockID.Hash = lb.Header.Hash()
			return lb, nil
		}, chainsync.ErrForgedHeader},
		{"first header from another devnet", 1, func(*types.LightBlock) (*types.LightBlock, error) {
			return mustLB(t, netB, 1), nil
		}, chainsync.ErrWrongValidators},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			s := synced(t, netA, tc.at-1)
			err := s.Advance(ctx, lieAt(netA.src, tc.at, tc.lie), tc.at+2)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Log(err)
			if s.Height() != tc.at-1 {
				t.Fatalf("height %d after a lie at %d, want %d", s.Height(), tc.at, tc.at-1)
			}
			if _, ok := s.Header(tc.at); ok {
				t.Fatalf("forged header %d kept", tc.at)
			}
			if err := s.Advance(ctx, netA.src, tc.at+2); err != nil {
				t.Fatalf("honest advance after the lie: %v", err)
			}
		})
	}
}

func TestWrongValidatorsDevnet(t *testing.T) {
	needDevnet(t)
	const k = 5
	mock := types.NewMockPV()
	mockSet := types.NewValidatorSet([]*types.Validator{mock.ExtractIntoValidator(10)})
	cases := []struct {
		name string
		lie  func(lb *types.LightBlock) (*types.LightBlock, error)
		want error
	}{
		{"another devnet's validator set", func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.ValidatorSet = mustLB(t, netB, k).ValidatorSet
			return lb, nil
		}, chainsync.ErrWrongValidators},
		{"same key, other power", func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.ValidatorSet = lb.ValidatorSet.Copy()
			lb.ValidatorSet.Validators[0].VotingPower = 11
			return lb, nil
		}, chainsync.ErrWrongValidators},
		{"set with another key", func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.ValidatorSet = mockSet.Copy()
			return lb, nil
		}, chainsync.ErrWrongValidators},
		{"header re-signed by the host's own validator key", func(lb *types.LightBlock) (*types.LightBlock, error) {
			// A complete forgery: links to the verified header, names the
			// host's key as the validator set, validly signed by it.
			lb.Header.AppHash = flip(lb.Header.AppHash)
			lb.Header.ValidatorsHash = mockSet.Hash()
			lb.Header.NextValidatorsHash = mockSet.Hash()
			lb.Header.ProposerAddress = mockSet.Validators[0].Address
			lb.Commit = signCommit(t, netA.genesis.ChainID, lb.Header, mock)
			lb.ValidatorSet = mockSet.Copy()
			return lb, nil
		}, chainsync.ErrWrongValidators},
		{"header signed by another key under the real validators hash", func(lb *types.LightBlock) (*types.LightBlock, error) {
			lb.Header.AppHash = flip(lb.Header.AppHash)
			c := signCommit(t, netA.genesis.ChainID, lb.Header, mock)
			c.Signatures[0].ValidatorAddress = lb.ValidatorSet.Validators[0].Address
			lb.Commit = c
			return lb, nil
		}, chainsync.ErrForgedHeader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := synced(t, netA, k-1)
			err := s.Advance(ctxT(t), lieAt(netA.src, k, tc.lie), k+1)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Log(err)
			if s.Height() != k-1 {
				t.Fatalf("height %d, want %d", s.Height(), k-1)
			}
		})
	}

	t.Run("genesis of another devnet", func(t *testing.T) {
		wantRefusedAtStart(t, netB.genesis, chainsync.ErrWrongValidators, "chainsync.ErrWrongValidators")
	})
}

// signCommit signs hdr as a one-validator commit by pv.
func signCommit(t *testing.T, chainID string, hdr *types.Header, pv types.MockPV) *types.Commit {
	t.Helper()
	id := types.BlockID{Hash: hdr.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: hdr.Hash()}}
	pub, _ := pv.GetPubKey()
	vote := &types.Vote{Type: cmtproto.PrecommitType, Height: hdr.Height, BlockID: id, Timestamp: hdr.Time.Add(time.Millisecond),
		ValidatorAddress: pub.Address(), ValidatorIndex: 0}
	pb := vote.ToProto()
	if err := pv.SignVote(chainID, pb); err != nil {
		t.Fatal(err)
	}
	return &types.Commit{Height: hdr.Height, BlockID: id, Signatures: []types.CommitSig{{
		BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: pub.Address(), Timestamp: vote.Timestamp, Signature: pb.Signature,
	}}}
}

func TestWithheldDevnet(t *testing.T) {
	needDevnet(t)
	const k = 3
	refuse := errors.New("host refuses")
	t.Run("error", func(t *testing.T) {
		s := synced(t, netA, k-1)
		err := s.Advance(ctxT(t), lieAt(netA.src, k, func(*types.LightBlock) (*types.LightBlock, error) { return nil, refuse }), k+3)
		if !errors.Is(err, chainsync.ErrWithheld) || !errors.Is(err, refuse) || s.Height() != k-1 {
			t.Fatalf("err = %v, height %d; want chainsync.ErrWithheld wrapping the source's error at %d", err, s.Height(), k-1)
		}
	})
	t.Run("empty answer", func(t *testing.T) {
		s := synced(t, netA, k-1)
		err := s.Advance(ctxT(t), lieAt(netA.src, k, func(*types.LightBlock) (*types.LightBlock, error) { return nil, nil }), k+3)
		if !errors.Is(err, chainsync.ErrWithheld) || s.Height() != k-1 {
			t.Fatalf("err = %v, height %d", err, s.Height())
		}
	})
	t.Run("beyond the node's tip", func(t *testing.T) {
		ctx := ctxT(t)
		s := synced(t, netA, 1)
		tip, err := netA.src.LatestHeight(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Advance(ctx, netA.src, tip+100_000)
		if !errors.Is(err, chainsync.ErrWithheld) {
			t.Fatalf("err = %v, want chainsync.ErrWithheld", err)
		}
		for h := int64(1); h <= s.Height(); h++ { // no gap accepted
			if _, ok := s.Header(h); !ok {
				t.Fatalf("gap at %d below verified height %d", h, s.Height())
			}
		}
		if s.Height() < tip {
			t.Fatalf("height %d below the tip %d it could verify", s.Height(), tip)
		}
	})
	t.Run("latest height", func(t *testing.T) {
		s, _ := chainsync.New(netA.genesis)
		err := s.AdvanceToLatest(ctxT(t), &lyingSource{Source: netA.src, latest: func() (int64, error) { return 0, refuse }})
		if !errors.Is(err, chainsync.ErrWithheld) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("state proof", func(t *testing.T) {
		s := synced(t, netA, k)
		src := &lyingSource{Source: netA.src, stateProof: func([]byte, int64, []byte, *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps, error) {
			return nil, nil, refuse
		}}
		if _, _, err := s.VerifiedState(ctxT(t), src, accountKey(t, netA, "alice")); !errors.Is(err, chainsync.ErrWithheld) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s, _ := chainsync.New(netA.genesis)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Advance(ctx, netA.src, 5); !errors.Is(err, chainsync.ErrWithheld) || !errors.Is(err, context.Canceled) || s.Height() != 0 {
			t.Fatalf("err = %v, height %d", err, s.Height())
		}
	})
}

func TestWrongChainIDDevnet(t *testing.T) {
	needDevnet(t)
	g := *netA.genesis
	g.ChainID = "phala-other"
	wantRefusedAtStart(t, &g, chainsync.ErrChainID, "chainsync.ErrChainID")
}

// wantRefusedAtStart checks that a Sync from genesis refuses devnet A's
// first blocks with want and stays at height 0.
func wantRefusedAtStart(t *testing.T, genesis *types.GenesisDoc, want error, wantName string) {
	t.Helper()
	s, err := chainsync.New(genesis)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Advance(ctxT(t), netA.src, 3)
	if !errors.Is(err, want) || s.Height() != 0 {
		t.Fatalf("err = %v, height %d; want %s at 0", err, s.Height(), wantName)
	}
	t.Log(err)
}

func TestForgedStateDevnet(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	s := synced(t, netA, minHeight)
	alice, bob := accountKey(t, netA, "alice"), accountKey(t, netA, "bob")
	absent := balances.AccountKey(randomAddress(t))
	h := s.Height() - 1
	bobV, bobP, err := netA.src.StateProof(ctx, bob, h)
	if err != nil {
		t.Fatal(err)
	}
	_, absentP, err := netA.src.StateProof(ctx, absent, h)
	if err != nil {
		t.Fatal(err)
	}
	supply := []byte("balances/supply")
	foreignV, foreignP, err := netB.src.StateProof(ctx, supply, h)
	if err != nil {
		t.Fatal(err)
	}
	withKey := func(p *cmtcrypto.ProofOps, key []byte) *cmtcrypto.ProofOps {
		op := p.Ops[0]
		op.Key = key
		return &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{op}}
	}
	type lie = func(key []byte, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps)
	cases := []struct {
		name string
		key  []byte
		lie  lie
	}{
		{"value byte flipped", alice, func(_, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) { return flip(v), p }},
		{"another key's value and proof", alice, func(_, _ []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) { return bobV, bobP }},
		{"another key's value and proof, op key rewritten", alice, func(k, _ []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return bobV, withKey(bobP, k)
		}},
		{"another key's proof with the right value", alice, func(k, v []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return v, withKey(bobP, k)
		}},
		{"present key claimed absent", alice, func(_, _ []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) { return nil, p }},
		{"present key claimed absent with another key's absence proof", alice, func(k, _ []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return nil, withKey(absentP, k)
		}},
		{"absent key given a value", absent, func(_, _ []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) { return bobV, p }},
		{"absent key given another key's value and proof", absent, func(k, _ []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return bobV, withKey(bobP, k)
		}},
		{"value and proof from another devnet", supply, func(_, _ []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return foreignV, foreignP
		}},
		{"no proof", alice, func(_, v []byte, _ *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) { return v, nil }},
		{"two proof ops", alice, func(_, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			return v, &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{p.Ops[0], p.Ops[0]}}
		}},
		{"other proof type", alice, func(_, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			op := p.Ops[0]
			op.Type = "ics23:simple"
			return v, &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{op}}
		}},
		{"garbage proof", alice, func(_, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			op := p.Ops[0]
			op.Data = []byte{0xff, 0xff, 0xff}
			return v, &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{op}}
		}},
		{"truncated proof", alice, func(_, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps) {
			op := p.Ops[0]
			op.Data = op.Data[:len(op.Data)/2]
			return v, &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{op}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := &lyingSource{Source: netA.src, stateProof: func(key []byte, _ int64, v []byte, p *cmtcrypto.ProofOps) ([]byte, *cmtcrypto.ProofOps, error) {
				v, p = tc.lie(key, v, p)
				return v, p, nil
			}}
			v, _, err := s.VerifiedState(ctx, src, tc.key)
			if !errors.Is(err, chainsync.ErrBadProof) || v != nil {
				t.Fatalf("value %X, err %v; want chainsync.ErrBadProof", v, err)
			}
			t.Log(err)
		})
	}
	// The same keys, honestly served, verify.
	for _, key := range [][]byte{alice, bob, supply} {
		if v, _, err := s.VerifiedState(ctx, netA.src, key); err != nil || len(v) == 0 {
			t.Fatalf("honest %q: %X, %v", key, v, err)
		}
	}
}

type resultsLiar struct {
	*chainsync.RPCSource
	results func([]*abci.ExecTxResult) []*abci.ExecTxResult
	txs     func(types.Txs) types.Txs
}

func (r *resultsLiar) BlockResults(ctx context.Context, h int64) ([]*abci.ExecTxResult, error) {
	res, err := r.RPCSource.BlockResults(ctx, h)
	if err != nil || r.results == nil {
		return res, err
	}
	return r.results(res), nil
}

func (r *resultsLiar) BlockTxs(ctx context.Context, h int64) (types.Txs, error) {
	txs, err := r.RPCSource.BlockTxs(ctx, h)
	if err != nil || r.txs == nil {
		return txs, err
	}
	return r.txs(txs), nil
}

func TestVerifiedBlockAndResultsDevnet(t *testing.T) {
	needDevnet(t)
	ctx := ctxT(t)
	c, err := client.New(netA.d.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	key, err := netA.d.Keyring.PrivKey("carol")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := netA.d.Keyring.Get("bob")
	com, err := c.Send(ctx, key, pha.Amount{}, "chainsync test", &balances.MsgTransfer{To: bob.Address, Amount: pha.Whole(1)})
	if err != nil {
		t.Fatal(err)
	}
	th := com.Height
	s, err := chainsync.New(netA.genesis)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifiedResults(ctx, netA.src, th); !errors.Is(err, chainsync.ErrBehind) {
		t.Fatalf("results before sync: %v, want chainsync.ErrBehind", err)
	}
	if err := devnettest.WaitHeight(ctx, netA.src, th+1, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(ctx, netA.src, th+1); err != nil {
		t.Fatal(err)
	}

	txs, err := s.VerifiedBlock(ctx, netA.src, th)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tx := range txs {
		found = found || fmt.Sprintf("%X", tx.Hash()) == com.Hash
	}
	if !found {
		t.Fatalf("verified block %d lacks tx %s (%d txs)", th, com.Hash, len(txs))
	}
	res, err := s.VerifiedResults(ctx, netA.src, th)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(txs) {
		t.Fatalf("%d results for %d txs", len(res), len(txs))
	}
	for i, r := range res {
		if r.Code != 0 || len(r.Events) != 0 || r.Log != "" {
			t.Fatalf("result %d: code %d, %d events, log %q: want 0 and no unverified fields", i, r.Code, len(r.Events), r.Log)
		}
	}
	if _, err := s.VerifiedResults(ctx, netA.src, th+1); !errors.Is(err, chainsync.ErrBehind) {
		t.Fatalf("results of the latest verified block: %v, want chainsync.ErrBehind", err)
	}

	resLies := map[string]func([]*abci.ExecTxResult) []*abci.ExecTxResult{
		"code changed":   func(r []*abci.ExecTxResult) []*abci.ExecTxResult { r[0].Code = 7; return r },
		"data changed":   func(r []*abci.ExecTxResult) []*abci.ExecTxResult { r[0].Data = []byte("forged"); return r },
		"result dropped": func(r []*abci.ExecTxResult) []*abci.ExecTxResult { return r[1:] },
		"result added": func(r []*abci.ExecTxResult) []*abci.ExecTxResult {
			return append(r, &abci.ExecTxResult{})
		},
		"nil result": func(r []*abci.ExecTxResult) []*abci.ExecTxResult { r[0] = nil; return r },
	}
	for name, lie := range resLies {
		if _, err := s.VerifiedResults(ctx, &resultsLiar{RPCSource: netA.src, results: lie}, th); !errors.Is(err, chainsync.ErrBadProof) {
			t.Errorf("results lie %q: err = %v, want chainsync.ErrBadProof", name, err)
		}
	}
	// Events are committed by no header: a host can rewrite them, and
	// VerifiedResults never passes them on.
	res, err = s.VerifiedResults(ctx, &resultsLiar{RPCSource: netA.src, results: func(r []*abci.ExecTxResult) []*abci.ExecTxResult {
		r[0].Events = []abci.Event{{Type: "forged"}}
		return r
	}}, th)
	if err != nil || len(res[0].Events) != 0 {
		t.Fatalf("rewritten events: err %v, events %v", err, res[0].Events)
	}

	txLies := map[string]func(types.Txs) types.Txs{
		"tx changed": func(t types.Txs) types.Txs { t[0] = flip(t[0]); return t },
		"tx dropped": func(t types.Txs) types.Txs { return t[1:] },
		"tx added":   func(t types.Txs) types.Txs { return append(t, types.Tx("forged")) },
		"no txs":     func(types.Txs) types.Txs { return nil },
	}
	for name, lie := range txLies {
		if _, err := s.VerifiedBlock(ctx, &resultsLiar{RPCSource: netA.src, txs: lie}, th); !errors.Is(err, chainsync.ErrBadProof) {
			t.Errorf("txs lie %q: err = %v, want chainsync.ErrBadProof", name, err)
		}
	}
}

// BenchmarkLatestHeight is a worker's poll of the node's height, over HTTP
// to an in-process node (client and server CPU both count).
func BenchmarkLatestHeight(b *testing.B) {
	needDevnet(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := netA.src.LatestHeight(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
