package chainsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/tmhash"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
)

// synthChain is a chain made in memory with mock validators, to test what a
// one-validator devnet cannot show: validator set changes, partial
// signatures, a set that is not the committed one signing.
type synthChain struct {
	chainID string
	genesis *types.GenesisDoc
	blocks  map[int64]*types.LightBlock
	pvs     map[string]types.MockPV // by validator address
}

// newSynthChain makes heights initial..initial+n-1; setAt(h) gives the
// indexes (into a pool of mock validators) of the set of height h.
func newSynthChain(t testing.TB, chainID string, initial int64, n int, setAt func(h int64) []int) *synthChain {
	t.Helper()
	pool := make([]types.MockPV, 8)
	c := &synthChain{chainID: chainID, blocks: map[int64]*types.LightBlock{}, pvs: map[string]types.MockPV{}}
	for i := range pool {
		pool[i] = types.NewMockPV()
		pub, _ := pool[i].GetPubKey()
		c.pvs[string(pub.Address())] = pool[i]
	}
	setOf := func(h int64) *types.ValidatorSet {
		var vals []*types.Validator
		for _, i := range setAt(h) {
			vals = append(vals, pool[i].ExtractIntoValidator(10))
		}
		return types.NewValidatorSet(vals)
	}
	gtime := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	gvals := setOf(initial)
	c.genesis = &types.GenesisDoc{ChainID: chainID, GenesisTime: gtime, InitialHeight: initial}
	for _, v := range gvals.Validators {
		c.genesis.Validators = append(c.genesis.Validators, types.GenesisValidator{Address: v.Address, PubKey: v.PubKey, Power: v.VotingPower})
	}
	var last types.BlockID
	for h := initial; h < initial+int64(n); h++ {
		vals := setOf(h)
		hdr := &types.Header{
			Version:            cmtversion.Consensus{Block: version.BlockProtocol, App: 1},
			ChainID:            chainID,
			Height:             h,
			Time:               gtime.Add(time.Duration(h-initial) * time.Second),
			LastBlockID:        last,
			ValidatorsHash:     vals.Hash(),
			NextValidatorsHash: setOf(h + 1).Hash(),
			ConsensusHash:      tmhash.Sum([]byte("params")),
			AppHash:            tmhash.Sum([]byte(fmt.Sprint("app", h))),
			DataHash:           types.Txs{}.Hash(),
			LastResultsHash:    types.NewResults(nil).Hash(),
			ProposerAddress:    vals.Validators[0].Address,
		}
		commit := c.sign(t, hdr, vals, vals, nil)
		c.blocks[h] = &types.LightBlock{SignedHeader: &types.SignedHeader{Header: hdr, Commit: commit}, ValidatorSet: vals}
		last = commit.BlockID
	}
	return c
}

// sign makes a commit for hdr by the members of signers, laid out for set;
// an impostor, if given, makes every signature in their name.
func (c *synthChain) sign(t testing.TB, hdr *types.Header, set, signers *types.ValidatorSet, impostor *types.MockPV) *types.Commit {
	t.Helper()
	id := types.BlockID{Hash: hdr.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: tmhash.Sum(hdr.Hash())}}
	sigs := make([]types.CommitSig, len(set.Validators))
	for i, v := range set.Validators {
		sigs[i] = types.NewCommitSigAbsent()
		if !signers.HasAddress(v.Address) {
			continue
		}
		vote := &types.Vote{Type: cmtproto.PrecommitType, Height: hdr.Height, BlockID: id, Timestamp: hdr.Time.Add(time.Second),
			ValidatorAddress: v.Address, ValidatorIndex: int32(i)}
		pb := vote.ToProto()
		pv := c.pvs[string(v.Address)]
		if impostor != nil {
			pv = *impostor
		}
		if err := pv.SignVote(c.chainID, pb); err != nil {
			t.Fatal(err)
		}
		sigs[i] = types.CommitSig{BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: v.Address, Timestamp: vote.Timestamp, Signature: pb.Signature}
	}
	return &types.Commit{Height: hdr.Height, BlockID: id, Signatures: sigs}
}

// memSource serves a fixed set of light blocks (copies) and can be told to
// lie about one height.
type memSource struct {
	blocks map[int64]*types.LightBlock
	lie    map[int64]func(*types.LightBlock) *types.LightBlock
}

func (m *memSource) LightBlock(_ context.Context, h int64) (*types.LightBlock, error) {
	lb, ok := m.blocks[h]
	if !ok {
		return nil, fmt.Errorf("no block %d", h)
	}
	cp := copyLB(lb)
	if f := m.lie[h]; f != nil {
		return f(cp), nil
	}
	return cp, nil
}

func (m *memSource) LatestHeight(context.Context) (int64, error) {
	var top int64
	for h := range m.blocks {
		top = max(top, h)
	}
	return top, nil
}

func (m *memSource) StateProof(context.Context, []byte, int64) ([]byte, *cmtcrypto.ProofOps, error) {
	return nil, nil, errors.New("no state here")
}

func copyLB(lb *types.LightBlock) *types.LightBlock {
	h := *lb.Header
	c := *lb.Commit
	c.Signatures = append([]types.CommitSig(nil), c.Signatures...)
	return &types.LightBlock{SignedHeader: &types.SignedHeader{Header: &h, Commit: &c}, ValidatorSet: lb.ValidatorSet.Copy()}
}

// changingSets is the validator set at height h: 1 validator, then 3 (one
// of them new), then 2 entirely new ones.
func changingSets(h int64) []int {
	switch {
	case h < 5:
		return []int{0}
	case h < 9:
		return []int{0, 1, 2}
	default:
		return []int{3, 4}
	}
}

func TestSynthValidatorSetChanges(t *testing.T) {
	for _, initial := range []int64{1, 100} {
		t.Run(fmt.Sprint("initial-", initial), func(t *testing.T) {
			c := newSynthChain(t, "synth", initial, 14, changingSets)
			s, err := NewWithOptions(c.genesis, Options{Window: 5})
			if err != nil {
				t.Fatal(err)
			}
			if s.Height() != initial-1 {
				t.Fatalf("height before sync %d, want %d", s.Height(), initial-1)
			}
			top := initial + 13
			if err := s.Advance(context.Background(), &memSource{blocks: c.blocks}, top); err != nil {
				t.Fatal(err)
			}
			if s.Height() != top {
				t.Fatalf("height %d, want %d", s.Height(), top)
			}
			if _, ok := s.Header(top - 4); !ok {
				t.Errorf("header %d should be in a window of 5", top-4)
			}
			if _, ok := s.Header(top - 5); ok {
				t.Errorf("header %d should have left a window of 5", top-5)
			}
			if _, err := s.VerifiedStateAt(context.Background(), &memSource{}, []byte("k"), top-6); !errors.Is(err, ErrOutOfWindow) {
				t.Errorf("state below the window: %v, want ErrOutOfWindow", err)
			}
			if _, err := s.VerifiedStateAt(context.Background(), &memSource{}, []byte("k"), top); !errors.Is(err, ErrBehind) {
				t.Errorf("state at the tip: %v, want ErrBehind", err)
			}
		})
	}
}

func TestSynthAttacks(t *testing.T) {
	c := newSynthChain(t, "synth", 1, 12, changingSets)
	// An attacker's own chain, same chain id, other keys.
	evil := newSynthChain(t, "synth", 1, 12, func(int64) []int { return []int{5} })
	resign := func(lb *types.LightBlock, signers *types.ValidatorSet) *types.LightBlock {
		lb.Commit = c.sign(t, lb.Header, lb.ValidatorSet, signers, nil)
		return lb
	}
	oneOf := func(vs *types.ValidatorSet, i int) *types.ValidatorSet {
		return types.NewValidatorSet([]*types.Validator{vs.Validators[i].Copy()})
	}
	cases := []struct {
		name string
		at   int64
		lie  func(*types.LightBlock) *types.LightBlock
		want error
	}{
		{"only 1 of 3 validators signed", 6, func(lb *types.LightBlock) *types.LightBlock {
			return resign(lb, oneOf(lb.ValidatorSet, 0))
		}, ErrForgedHeader},
		{"2 of 3 validators signed is not >2/3", 6, func(lb *types.LightBlock) *types.LightBlock {
			return resign(lb, types.NewValidatorSet([]*types.Validator{lb.ValidatorSet.Validators[0].Copy(), lb.ValidatorSet.Validators[1].Copy()}))
		}, ErrForgedHeader},
		{"old set keeps signing after the change", 9, func(lb *types.LightBlock) *types.LightBlock {
			old := c.blocks[8].ValidatorSet.Copy()
			lb.Header.ValidatorsHash = old.Hash()
			lb.ValidatorSet = old
			return resign(lb, old)
		}, ErrWrongValidators},
		{"signatures by an impostor key in the validators' names", 9, func(lb *types.LightBlock) *types.LightBlock {
			imp := types.NewMockPV()
			lb.Commit = c.sign(t, lb.Header, lb.ValidatorSet, lb.ValidatorSet, &imp)
			return lb
		}, ErrForgedHeader},
		{"commit laid out for the previous set", 9, func(lb *types.LightBlock) *types.LightBlock {
			lb.Commit = c.sign(t, lb.Header, c.blocks[8].ValidatorSet, c.blocks[8].ValidatorSet, nil)
			return lb
		}, ErrForgedHeader},
		{"attacker's chain, same chain id", 3, func(*types.LightBlock) *types.LightBlock {
			return copyLB(evil.blocks[3])
		}, ErrForgedHeader}, // its LastBlockID does not link
		{"attacker's header linked to ours", 3, func(lb *types.LightBlock) *types.LightBlock {
			e := copyLB(evil.blocks[3])
			e.Header.LastBlockID = lb.Header.LastBlockID
			e.Commit = evil.sign(t, e.Header, e.ValidatorSet, e.ValidatorSet, nil)
			return e
		}, ErrWrongValidators},
		{"attacker's first header", 1, func(*types.LightBlock) *types.LightBlock {
			return copyLB(evil.blocks[1])
		}, ErrWrongValidators},
		{"time goes back", 4, func(lb *types.LightBlock) *types.LightBlock {
			lb.Header.Time = c.blocks[3].Header.Time.Add(-time.Second)
			return resign(lb, lb.ValidatorSet)
		}, ErrForgedHeader},
		{"first header before genesis time", 1, func(lb *types.LightBlock) *types.LightBlock {
			lb.Header.Time = c.genesis.GenesisTime.Add(-time.Second)
			return resign(lb, lb.ValidatorSet)
		}, ErrForgedHeader},
		{"first header links to a previous block", 1, func(lb *types.LightBlock) *types.LightBlock {
			lb.Header.LastBlockID = c.blocks[2].Commit.BlockID
			return resign(lb, lb.ValidatorSet)
		}, ErrForgedHeader},
		{"validator set with other power", 6, func(lb *types.LightBlock) *types.LightBlock {
			vals := lb.ValidatorSet.Copy()
			vals.Validators[0].VotingPower++
			lb.ValidatorSet = vals
			return lb
		}, ErrWrongValidators},
		{"no validator set", 6, func(lb *types.LightBlock) *types.LightBlock {
			lb.ValidatorSet = nil
			return lb
		}, ErrWithheld},
		{"no header", 6, func(*types.LightBlock) *types.LightBlock { return nil }, ErrWithheld},
		{"malformed validator", 6, func(lb *types.LightBlock) *types.LightBlock {
			lb.ValidatorSet.Validators[0].PubKey = nil
			return lb
		}, ErrWrongValidators},
		{"wrong chain id", 6, func(lb *types.LightBlock) *types.LightBlock {
			lb.Header.ChainID = "other"
			return resign(lb, lb.ValidatorSet)
		}, ErrChainID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(c.genesis)
			if err != nil {
				t.Fatal(err)
			}
			src := &memSource{blocks: c.blocks, lie: map[int64]func(*types.LightBlock) *types.LightBlock{tc.at: tc.lie}}
			err = s.Advance(context.Background(), src, 12)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Logf("%v", err)
			if s.Height() != tc.at-1 {
				t.Fatalf("height %d after a lie at %d, want %d", s.Height(), tc.at, tc.at-1)
			}
			if _, ok := s.Header(tc.at); ok {
				t.Fatalf("forged header %d was kept", tc.at)
			}
			// The lie does not poison the state: the honest chain still syncs.
			if err := s.Advance(context.Background(), &memSource{blocks: c.blocks}, 12); err != nil {
				t.Fatalf("honest advance after the lie: %v", err)
			}
			if got, _ := s.Header(tc.at); !bytes.Equal(got.Hash(), c.blocks[tc.at].Header.Hash()) {
				t.Fatalf("header %d after honest advance is not the chain's", tc.at)
			}
		})
	}
}

func TestNewRejectsUnusableGenesis(t *testing.T) {
	c := newSynthChain(t, "synth", 1, 1, func(int64) []int { return []int{0} })
	for name, mut := range map[string]func(g *types.GenesisDoc){
		"nil":            nil,
		"no chain id":    func(g *types.GenesisDoc) { g.ChainID = "" },
		"no validators":  func(g *types.GenesisDoc) { g.Validators = nil },
		"zero power":     func(g *types.GenesisDoc) { g.Validators[0].Power = 0 },
		"no pubkey":      func(g *types.GenesisDoc) { g.Validators[0].PubKey = nil },
		"negative start": func(g *types.GenesisDoc) { g.InitialHeight = -1 },
		"duplicate":      func(g *types.GenesisDoc) { g.Validators = append(g.Validators, g.Validators[0]) },
	} {
		var g *types.GenesisDoc
		if mut != nil {
			cp := *c.genesis
			cp.Validators = append([]types.GenesisValidator(nil), c.genesis.Validators...)
			mut(&cp)
			g = &cp
		}
		if _, err := New(g); !errors.Is(err, ErrGenesis) {
			t.Errorf("%s: err = %v, want ErrGenesis", name, err)
		}
	}
}
