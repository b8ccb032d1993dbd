// Package chainsync is the enclave's own view of the chain. The enclave has
// no network: the untrusted host hands it light blocks, state proofs and
// block data through a Source, and chainsync accepts nothing it cannot
// verify from its trusted root, the genesis document.
//
// # Headers
//
// New takes the genesis document (chain id, initial height, genesis
// validators). Advance then verifies every header from the initial height
// on, one after the other, never skipping one:
//
//   - the first header must carry ValidatorsHash == hash(genesis validators),
//     an empty LastBlockID, a time not before the genesis time, and a commit
//     signed by more than 2/3 of the genesis voting power
//     (types.ValidatorSet.VerifyCommitLight);
//   - each later header h+1 is checked against the verified header h with
//     CometBFT's light client adjacent verification (light.VerifyAdjacent:
//     basic validity, commit/header hash, monotonic time,
//     ValidatorsHash == h.NextValidatorsHash, more than 2/3 of the new set
//     signed), plus the hash chain: h+1's LastBlockID must be the BlockID
//     that h's commit signs.
//
// Validator set changes need nothing more: the set of h+1 is committed to by
// h.NextValidatorsHash, which h's signers signed, so a change takes effect
// exactly where the chain says and the source cannot substitute a set.
//
// # Time and the trusting period
//
// The enclave has no trusted clock. CometBFT's light client uses the clock
// for two things: the trusting period (a trusted header older than it may no
// longer be backed by bonded, slashable validators, which matters when
// skipping headers with VerifyNonAdjacent) and a bound on how far in the
// future a new header may be. chainsync only ever verifies adjacent headers
// from genesis, where safety rests on the >2/3 signatures of the set that
// the previous verified header committed to, not on time. So it passes
// `now` = the time of the latest verified header and an effectively
// unbounded trusting period and clock drift (trustUnbounded): the expiry
// check can never fire (now equals the trusted header's time) and the
// future check only rejects a header more than trustUnbounded after its
// predecessor. Time still has to strictly increase from header to header.
//
// What no clock-free design can give: if a past validator set (for instance
// the genesis validators, long after they unbonded) signs an alternative
// history, an enclave syncing from genesis cannot tell it from the real one
// (a long-range attack). Defences live outside this package: a newer
// checkpoint built into the measured enclave or sealed after a first sync,
// and the chain's own checks on what a worker reports.
//
// # State, blocks and results
//
// VerifiedState / VerifiedStateAt fetch a key through the "/store" ABCI
// query and check its ICS23 (IAVL) proof, membership or non-membership,
// against the AppHash of the verified header H+1 (the AppHash in header H+1
// is the state root after block H). VerifiedBlock checks a block's
// transactions against its header's DataHash; VerifiedResults checks the
// FinalizeBlock tx results of block H against header H+1's
// LastResultsHash. That hash commits only to each result's Code, Data,
// GasWanted and GasUsed: events, logs, info and codespace are not committed
// by any header, so VerifiedResults drops them. Chain-to-worker messages must
// therefore be learnt from state (VerifiedState), from verified
// transactions, or from a result's Data, never from events.
package chainsync

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cometbft/cometbft/light"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/types"
)

// Source is the untrusted host's access to the chain (the enclave has no
// network of its own). Its methods may be called concurrently.
type Source interface {
	// LightBlock returns the signed header (header + commit) and the
	// validator set of height.
	LightBlock(ctx context.Context, height int64) (*types.LightBlock, error)
	// LatestHeight is the height of the newest block the source has.
	LatestHeight(ctx context.Context) (int64, error)
	// StateProof answers the "/store" ABCI query for key at height with a
	// proof: the raw value (nil if absent) and its proof against the state
	// root of that height.
	StateProof(ctx context.Context, key []byte, height int64) (value []byte, proof *cmtcrypto.ProofOps, err error)
}

// trustUnbounded stands for "no clock bound": the trusting period and the
// maximum clock drift handed to the light client. See the package doc.
const trustUnbounded = 100 * 365 * 24 * time.Hour

// DefaultWindow is the number of recent verified headers a Sync keeps.
const DefaultWindow = 1024

// DefaultPrefetch is how many light blocks Advance fetches ahead of
// verification.
const DefaultPrefetch = 8

// Options tune a Sync. The zero value gives the defaults.
type Options struct {
	// Window is the number of recent verified headers kept for Header,
	// VerifiedStateAt, VerifiedBlock and VerifiedResults (DefaultWindow if
	// zero; at least 2).
	Window int
	// Prefetch is the number of light blocks fetched from the source ahead
	// of verification (DefaultPrefetch if zero; 1 = no look-ahead).
	// Fetching is concurrent; verification and acceptance stay sequential.
	Prefetch int
}

// Sync is the enclave's verified view of the chain: the latest verified
// header and a bounded window of the ones before it. It is safe for
// concurrent use; Advance calls are serialised.
type Sync struct {
	chainID       string
	initialHeight int64
	genesisTime   time.Time
	genesisVals   *types.ValidatorSet
	window        int
	prefetch      int

	advanceMu sync.Mutex // one Advance at a time

	mu      sync.RWMutex
	latest  *types.SignedHeader // nil before the first header
	headers map[int64]*types.SignedHeader
}

// New starts from the trusted root: the genesis document. The first header
// is accepted only if its ValidatorsHash equals the hash of the genesis
// validator set and its commit is signed by more than 2/3 of that set.
func New(genesis *types.GenesisDoc) (*Sync, error) {
	return NewWithOptions(genesis, Options{})
}

// NewWithOptions is New with options.
func NewWithOptions(genesis *types.GenesisDoc, o Options) (*Sync, error) {
	if genesis == nil {
		return nil, fail(ErrGenesis, 0, "genesis", "no genesis document")
	}
	if genesis.ChainID == "" {
		return nil, fail(ErrGenesis, 0, "genesis-chain-id", "empty chain id")
	}
	if len(genesis.ChainID) > types.MaxChainIDLen {
		return nil, fail(ErrGenesis, 0, "genesis-chain-id", "chain id longer than %d", types.MaxChainIDLen)
	}
	initial := genesis.InitialHeight
	if initial == 0 {
		initial = 1
	}
	if initial < 0 {
		return nil, fail(ErrGenesis, 0, "genesis-initial-height", "negative initial height %d", initial)
	}
	if len(genesis.Validators) == 0 {
		// CometBFT would take the set from the app's InitChain answer, which
		// no header commits to before the first one: no trusted root.
		return nil, fail(ErrGenesis, initial, "genesis-validators", "genesis has no validators")
	}
	vals := make([]*types.Validator, len(genesis.Validators))
	for i, v := range genesis.Validators {
		if v.PubKey == nil {
			return nil, fail(ErrGenesis, initial, "genesis-validators", "validator %d has no public key", i)
		}
		if v.Power <= 0 {
			return nil, fail(ErrGenesis, initial, "genesis-validators", "validator %d has power %d", i, v.Power)
		}
		vals[i] = types.NewValidator(v.PubKey, v.Power)
	}
	set, err := genesisSet(vals)
	if err != nil {
		return nil, failWrap(ErrGenesis, initial, "genesis-validators", err, "invalid genesis validator set")
	}
	if err := set.ValidateBasic(); err != nil {
		return nil, failWrap(ErrGenesis, initial, "genesis-validators", err, "invalid genesis validator set")
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.Window < 2 {
		o.Window = 2
	}
	if o.Prefetch <= 0 {
		o.Prefetch = DefaultPrefetch
	}
	return &Sync{
		chainID:       genesis.ChainID,
		initialHeight: initial,
		genesisTime:   genesis.GenesisTime,
		genesisVals:   set,
		window:        o.Window,
		prefetch:      o.Prefetch,
		headers:       make(map[int64]*types.SignedHeader, min(o.Window, 4096)),
	}, nil
}

// genesisSet builds the set the way CometBFT's genesis state does
// (types.NewValidatorSet), which panics on duplicates or overflow.
func genesisSet(vals []*types.Validator) (set *types.ValidatorSet, err error) {
	defer func() {
		if r := recover(); r != nil {
			set, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return types.NewValidatorSet(vals), nil
}

// ChainID is the genesis chain id.
func (s *Sync) ChainID() string { return s.chainID }

// Height is the height of the latest verified header, or InitialHeight-1
// before the first one.
func (s *Sync) Height() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.heightLocked()
}

func (s *Sync) heightLocked() int64 {
	if s.latest == nil {
		return s.initialHeight - 1
	}
	return s.latest.Height
}

// Latest is the latest verified header, or nil before the first one.
func (s *Sync) Latest() *types.SignedHeader {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.latest
}

// Header returns the verified header of height h if it is still in the
// window. The caller must not modify it.
func (s *Sync) Header(h int64) (*types.SignedHeader, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh, ok := s.headers[h]
	return sh, ok
}

// header returns the verified header h, or ErrBehind / ErrOutOfWindow.
func (s *Sync) header(h int64, why string) (*types.SignedHeader, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sh, ok := s.headers[h]; ok {
		return sh, nil
	}
	if top := s.heightLocked(); h > top {
		return nil, fail(ErrBehind, h, "header", "%s needs header %d, latest verified is %d", why, h, top)
	}
	if h < s.initialHeight {
		return nil, fail(ErrOutOfWindow, h, "header", "%s needs header %d, below the initial height %d", why, h, s.initialHeight)
	}
	return nil, fail(ErrOutOfWindow, h, "header", "%s needs header %d, the window keeps only %d headers up to %d", why, h, s.window, s.heightLocked())
}

// AdvanceToLatest advances to the source's latest height. The source may
// under-report it (liveness is the host's to give or withhold) but cannot
// make a wrong header accepted.
func (s *Sync) AdvanceToLatest(ctx context.Context, src Source) error {
	to, err := src.LatestHeight(ctx)
	if err != nil {
		return failWrap(ErrWithheld, 0, "latest-height", err, "source did not report its latest height")
	}
	return s.Advance(ctx, src, to)
}

// Advance verifies the headers Height()+1 .. to, in order, and accepts each
// one as soon as it is verified. On any failure it returns an error of the
// class of the failed check and the trusted state stays at the last good
// header. A "to" at or below Height() is a no-op.
func (s *Sync) Advance(ctx context.Context, src Source, to int64) error {
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	from := s.Height() + 1
	if to < from {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks := s.fetchAhead(ctx, src, from, to)
	for h := from; h <= to; h++ {
		var f fetched
		select {
		case slot, ok := <-blocks:
			if !ok {
				return failWrap(ErrWithheld, h, "fetch", ctx.Err(), "light block not received")
			}
			f = <-slot
		case <-ctx.Done():
			return failWrap(ErrWithheld, h, "fetch", ctx.Err(), "light block not received")
		}
		if f.err != nil {
			return failWrap(ErrWithheld, h, "fetch", f.err, "source did not provide light block %d", h)
		}
		if err := s.verifyAndAccept(h, f.lb); err != nil {
			return err
		}
	}
	return nil
}

type fetched struct {
	lb  *types.LightBlock
	err error
}

// fetchAhead fetches light blocks from..to with up to s.prefetch requests
// in flight and yields one slot per height, in height order.
func (s *Sync) fetchAhead(ctx context.Context, src Source, from, to int64) <-chan chan fetched {
	out := make(chan chan fetched, s.prefetch)
	go func() {
		defer close(out)
		for h := from; h <= to; h++ {
			slot := make(chan fetched, 1)
			select {
			case out <- slot: // blocks while s.prefetch slots are pending
			case <-ctx.Done():
				return
			}
			go func(h int64) {
				lb, err := src.LightBlock(ctx, h)
				slot <- fetched{lb, err}
			}(h)
		}
	}()
	return out
}

// verifyAndAccept verifies lb as the header of height h and, if it passes,
// makes it the latest trusted header.
func (s *Sync) verifyAndAccept(h int64, lb *types.LightBlock) (err error) {
	s.mu.RLock()
	prev := s.latest
	s.mu.RUnlock()
	defer func() {
		// Host-made structures must never take the enclave down.
		if r := recover(); r != nil {
			err = fail(ErrForgedHeader, h, "malformed", "light block made verification panic: %v", r)
		}
	}()
	if err := s.verify(prev, h, lb); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = lb.SignedHeader
	s.headers[h] = lb.SignedHeader
	delete(s.headers, h-int64(s.window))
	return nil
}

// verify checks lb against the previous verified header prev (nil: the
// genesis root). The order of the checks fixes the class of the error.
func (s *Sync) verify(prev *types.SignedHeader, h int64, lb *types.LightBlock) error {
	if lb == nil || lb.SignedHeader == nil || lb.Header == nil || lb.Commit == nil {
		return fail(ErrWithheld, h, "light-block", "source returned no signed header")
	}
	if lb.ValidatorSet == nil {
		return fail(ErrWithheld, h, "light-block", "source returned no validator set")
	}
	sh := lb.SignedHeader
	if sh.Height != h {
		return fail(ErrForgedHeader, h, "height", "asked for header %d, got header %d", h, sh.Height)
	}
	if sh.ChainID != s.chainID {
		return fail(ErrChainID, h, "chain-id", "header is for chain %q, genesis says %q", sh.ChainID, s.chainID)
	}
	if err := sh.ValidateBasic(s.chainID); err != nil {
		return failWrap(ErrForgedHeader, h, "header-basic", err, "signed header is invalid")
	}
	if prev != nil && !sh.LastBlockID.Equals(prev.Commit.BlockID) {
		return fail(ErrForgedHeader, h, "last-block-id", "header links to block %v, verified header %d is block %v", sh.LastBlockID, prev.Height, prev.Commit.BlockID)
	}

	want, wantFrom := s.genesisVals.Hash(), "the genesis validator set"
	if prev != nil {
		want, wantFrom = prev.NextValidatorsHash, fmt.Sprintf("NextValidatorsHash of verified header %d", prev.Height)
	}
	if !bytes.Equal(sh.ValidatorsHash, want) {
		return fail(ErrWrongValidators, h, "validators-hash", "header's ValidatorsHash %X is not %X, %s", sh.ValidatorsHash, want, wantFrom)
	}
	if err := lb.ValidatorSet.ValidateBasic(); err != nil {
		return failWrap(ErrWrongValidators, h, "validator-set", err, "supplied validator set is invalid")
	}
	if got := lb.ValidatorSet.Hash(); !bytes.Equal(got, sh.ValidatorsHash) {
		return fail(ErrWrongValidators, h, "validator-set", "supplied validator set hashes to %X, header says %X", got, sh.ValidatorsHash)
	}

	if prev == nil {
		if !sh.LastBlockID.IsZero() {
			return fail(ErrForgedHeader, h, "last-block-id", "first header links to a previous block %v", sh.LastBlockID)
		}
		if sh.Time.Before(s.genesisTime) {
			return fail(ErrForgedHeader, h, "time", "first header time %v is before the genesis time %v", sh.Time, s.genesisTime)
		}
		if err := s.genesisVals.VerifyCommitLight(s.chainID, sh.Commit.BlockID, h, sh.Commit); err != nil {
			return failWrap(ErrForgedHeader, h, "commit", err, "first header is not signed by >2/3 of the genesis validators")
		}
		return nil
	}
	// now = the trusted header's time: see the package doc.
	if err := light.VerifyAdjacent(prev, sh, lb.ValidatorSet, trustUnbounded, prev.Time, trustUnbounded); err != nil {
		return failWrap(ErrForgedHeader, h, "light-verify-adjacent", err, "header does not verify against header %d", prev.Height)
	}
	return nil
}
