// Package lightclient gives the client reads of chain state that no RPC
// node can forge: every value comes with an ICS23 proof checked against the
// AppHash of a header that a CometBFT light client verified from a trusted
// root, the way `cometbft light` does.
//
// The trusted root (chain id, height, header hash) lives in a file in the
// client home. It is set once, from --trust-height/--trust-hash or, on
// first use, from whatever header the node serves (trust on first use,
// with a printed warning); after that the client only verifies forward from
// it (light.Verify: adjacent headers by hash chain and >2/3 of their
// validator set, later ones by >1/3 of the trusted set, bisecting when the
// set changed too much), and moves the root to each newly verified header.
// A node that serves another header at the trusted height, a header that
// does not chain, or a value whose proof does not verify gets an error
// that names the check.
package lightclient

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

// Source is the untrusted node: chainsync.RPCSource is one.
type Source interface {
	LightBlock(ctx context.Context, height int64) (*types.LightBlock, error)
	LatestHeight(ctx context.Context) (int64, error)
	StateProof(ctx context.Context, key []byte, height int64) ([]byte, *cmtcrypto.ProofOps, error)
}

// Errors of the light client; each names the check that failed.
var (
	// ErrRootMismatch: the node's header at the trusted height is not the
	// trusted one (another chain, or a fork).
	ErrRootMismatch = errors.New("lightclient: header at the trusted height differs from the trusted root")
	// ErrHeaderChain: a newer header does not chain to the trusted one.
	ErrHeaderChain = errors.New("lightclient: header does not chain to the trusted root")
	// ErrBadHeader: a header or its commit is malformed or not signed by
	// its own validator set.
	ErrBadHeader = errors.New("lightclient: header fails validation")
	// ErrNoRoot: no trusted root is kept and none was given.
	ErrNoRoot = errors.New("lightclient: no trusted root")
)

// DefaultTrustingPeriod is how long a verified header may serve as the root
// of the next verification: it must be shorter than the unbonding period,
// so its validators are still slashable for signing a fork.
const DefaultTrustingPeriod = 14 * 24 * time.Hour

// maxClockDrift bounds how far in the future a header may be.
const maxClockDrift = 10 * time.Second

// Root is the trusted root kept in the client home.
type Root struct {
	ChainID string    `json:"chain_id"`
	Height  int64     `json:"height"`
	Hash    string    `json:"hash"` // upper-case hex header hash
	Time    time.Time `json:"time"`
	// LightBlock is the root's signed header and validator set (protobuf),
	// to verify forward from when the node no longer serves that height
	// (it prunes blocks with --retain-blocks).
	LightBlock []byte `json:"light_block,omitempty"`
}

// Options configure Open.
type Options struct {
	// File keeps the trusted root (created on first use); empty keeps it
	// in memory only.
	File string
	// TrustHeight and TrustHash, when set, replace the kept root with the
	// header of that height, which must hash to TrustHash.
	TrustHeight int64
	TrustHash   []byte
	// TrustingPeriod defaults to DefaultTrustingPeriod.
	TrustingPeriod time.Duration
	// Warn receives the trust-on-first-use warning; nil: os.Stderr.
	Warn io.Writer
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Client reads proven state through an untrusted Source. Safe for
// concurrent use.
type Client struct {
	src    Source
	file   string
	period time.Duration
	now    func() time.Time

	mu      sync.Mutex
	trusted *types.LightBlock
}

// Open loads (or, from the options or the node, sets) the trusted root and
// checks that the node serves that header at its height.
func Open(ctx context.Context, src Source, o Options) (*Client, error) {
	c := &Client{src: src, file: o.File, period: o.TrustingPeriod, now: o.Now}
	if c.period == 0 {
		c.period = DefaultTrustingPeriod
	}
	if c.now == nil {
		c.now = time.Now
	}
	warn := o.Warn
	if warn == nil {
		warn = os.Stderr
	}
	switch root, err := c.load(); {
	case o.TrustHeight > 0:
		if err := c.setRoot(ctx, o.TrustHeight, o.TrustHash); err != nil {
			return nil, err
		}
	case err == nil:
		if err := c.setRoot(ctx, root.Height, mustHex(root.Hash)); err != nil && (!errors.Is(err, ErrNoRoot) || c.setKeptRoot(root) != nil) {
			return nil, fmt.Errorf("%w (root kept in %s; if you moved to another chain, remove it or pass --trust-height and --trust-hash)", err, c.file)
		}
		if c.trusted.ChainID != root.ChainID {
			return nil, fmt.Errorf("%w: chain-id check failed: node serves chain %q, the root is for %q", ErrRootMismatch, c.trusted.ChainID, root.ChainID)
		}
	case errors.Is(err, os.ErrNotExist):
		if err := c.trustFirstUse(ctx, warn); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return c, c.save(o.TrustHeight > 0)
}

// trustFirstUse takes the node's latest header as the root, and says so.
func (c *Client) trustFirstUse(ctx context.Context, warn io.Writer) error {
	h, err := c.src.LatestHeight(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoRoot, err)
	}
	if err := c.setRoot(ctx, h, nil); err != nil {
		return err
	}
	fmt.Fprintf(warn, "WARNING: no trusted root in %s: trusting the node's header %d (hash %X, chain %s) on first use.\n"+
		"         Check that hash with another source, or pass --trust-height and --trust-hash; later reads verify forward from it.\n",
		c.file, c.trusted.Height, c.trusted.Hash(), c.trusted.ChainID)
	return nil
}

// setRoot fetches the header of height, checks it is signed by its own
// validator set and, when hash is set, that it hashes to hash, and trusts it.
func (c *Client) setRoot(ctx context.Context, height int64, hash []byte) error {
	lb, err := c.src.LightBlock(ctx, height)
	if err != nil {
		return fmt.Errorf("%w: fetch header %d: %v", ErrNoRoot, height, err)
	}
	if err := validate(lb, height); err != nil {
		return err
	}
	if hash != nil && !bytes.Equal(lb.Hash(), hash) {
		return fmt.Errorf("%w: hash check failed at height %d: node serves %X, trusted %X", ErrRootMismatch, height, lb.Hash(), hash)
	}
	c.mu.Lock()
	c.trusted = lb
	c.mu.Unlock()
	return nil
}

// setKeptRoot trusts the light block kept with root, for a node that no
// longer serves the root's height: it must be the root's header, signed
// by its own validator set.
func (c *Client) setKeptRoot(root Root) error {
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(root.LightBlock); err != nil || len(root.LightBlock) == 0 {
		return fmt.Errorf("%w: the kept root has no readable light block: %v", ErrNoRoot, err)
	}
	lb, err := types.LightBlockFromProto(&pb)
	if err != nil {
		return fmt.Errorf("%w: the kept root's light block: %v", ErrNoRoot, err)
	}
	if err := validate(lb, root.Height); err != nil {
		return err
	}
	if !bytes.Equal(lb.Hash(), mustHex(root.Hash)) {
		return fmt.Errorf("%w: hash check failed at height %d: the kept light block is %X, the root %s", ErrRootMismatch, root.Height, lb.Hash(), root.Hash)
	}
	c.mu.Lock()
	c.trusted = lb
	c.mu.Unlock()
	return nil
}

// validate checks a light block on its own: its height, its basic
// validity and that more than 2/3 of its validator set signed it.
func validate(lb *types.LightBlock, height int64) error {
	if lb == nil || lb.SignedHeader == nil || lb.Header == nil {
		return fmt.Errorf("%w: header %d is missing", ErrBadHeader, height)
	}
	if lb.Height != height {
		return fmt.Errorf("%w: height check failed: asked for %d, node served %d", ErrBadHeader, height, lb.Height)
	}
	if err := lb.ValidateBasic(lb.ChainID); err != nil {
		return fmt.Errorf("%w: basic check failed at height %d: %v", ErrBadHeader, height, err)
	}
	if err := lb.ValidatorSet.VerifyCommitLight(lb.ChainID, lb.Commit.BlockID, lb.Height, lb.Commit); err != nil {
		return fmt.Errorf("%w: commit-signatures check failed at height %d: %v", ErrBadHeader, height, err)
	}
	return nil
}

// Root returns the trusted root.
func (c *Client) Root() Root {
	c.mu.Lock()
	defer c.mu.Unlock()
	return rootOf(c.trusted)
}

func rootOf(lb *types.LightBlock) Root {
	r := Root{ChainID: lb.ChainID, Height: lb.Height, Hash: fmt.Sprintf("%X", lb.Hash()), Time: lb.Time}
	if pb, err := lb.ToProto(); err == nil {
		r.LightBlock, _ = pb.Marshal()
	}
	return r
}

// ChainID is the chain of the trusted root. It reads the header's field
// instead of building the whole Root (header hash, light block encoding),
// which clients ask for on every call.
func (c *Client) ChainID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trusted.ChainID
}

// load reads the kept root.
func (c *Client) load() (Root, error) {
	var r Root
	if c.file == "" {
		return r, os.ErrNotExist
	}
	raw, err := os.ReadFile(c.file)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Height <= 0 || len(mustHex(r.Hash)) == 0 {
		return r, fmt.Errorf("trusted root %s is unreadable (remove it or pass --trust-height and --trust-hash): %v", c.file, err)
	}
	return r, nil
}

// save writes the root atomically: a temp file of its own renamed over the
// old one, so that commands run at once in one home (each verifies and
// saves) never see half a file or each other's temp file. A root older
// than the one on disk is not written, the root only moving forward,
// unless replace (a root the user named with --trust-height).
func (c *Client) save(replace bool) error {
	if c.file == "" {
		return nil
	}
	root := c.Root()
	if old, err := c.load(); err == nil && old.Height >= root.Height && !replace {
		return nil
	}
	raw, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.file), 0o700); err != nil {
		return fmt.Errorf("save trusted root: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(c.file), filepath.Base(c.file)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save trusted root: %w", err)
	}
	_, werr := f.Write(raw)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), c.file)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("save trusted root: %w", werr)
	}
	return nil
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}
