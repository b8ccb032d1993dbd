package ceremony

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phalanetwork/phala/internal/httpok"
)

// PathStates is where a gatekeeper's host serves the ceremony states it
// holds: PathStates followed by the state's SHA-256 in hex.
const PathStates = "/shielded/ceremony/states/"

// MaxState bounds a state fetched from a peer (a phase 1 state of domain
// 2^16 is about 20 MB).
const MaxState = 1 << 30

// Store is the Blobs of a host: a directory of states named by hash, and
// the peers (gatekeepers' base URLs) it fetches missing states from. A
// state from a peer is kept only if it hashes to what was asked: the
// peers, the host and the network need not be trusted.
type Store struct {
	dir   string
	peers func(context.Context) ([]string, error)
	http  *http.Client
}

// NewStore keeps states in dir and fetches others from peers.
func NewStore(dir string, peers func(context.Context) ([]string, error)) *Store {
	return &Store{dir: dir, peers: peers, http: &http.Client{Timeout: 5 * time.Minute}}
}

func (s *Store) path(sum [32]byte) string { return filepath.Join(s.dir, hex.EncodeToString(sum[:])) }

// Put keeps a state under its hash.
func (s *Store) Put(sum [32]byte, state []byte) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("ceremony store: %w", err)
	}
	tmp := s.path(sum) + ".tmp"
	if err := os.WriteFile(tmp, state, 0o600); err != nil {
		return fmt.Errorf("ceremony store: %w", err)
	}
	return os.Rename(tmp, s.path(sum))
}

// Get returns the state with hash sum, from the directory or else from
// the first peer that has it.
func (s *Store) Get(ctx context.Context, sum [32]byte) ([]byte, error) {
	if b, err := os.ReadFile(s.path(sum)); err == nil && sha256.Sum256(b) == sum {
		return b, nil
	}
	peers, err := s.peers(ctx)
	if err != nil {
		return nil, fmt.Errorf("ceremony peers: %w", err)
	}
	var errs []error
	for _, p := range peers {
		b, err := s.fetch(ctx, p, sum)
		if err == nil {
			return b, s.Put(sum, b)
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("state %x from %d peers: %w", sum, len(peers), errors.Join(errs...))
}

// fetch downloads the state with hash sum from one peer and checks it.
func (s *Store) fetch(ctx context.Context, base string, sum [32]byte) ([]byte, error) {
	url := strings.TrimSuffix(base, "/") + PathStates + hex.EncodeToString(sum[:])
	b, err := httpok.Get(ctx, s.http, url, MaxState)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if sha256.Sum256(b) != sum {
		return nil, fmt.Errorf("%s: the state does not hash to %x", url, sum)
	}
	return b, nil
}

// ServeHTTP serves GET PathStates{sum}: a state this host holds.
func (s *Store) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	raw, err := hex.DecodeString(strings.TrimPrefix(r.URL.Path, PathStates))
	if err != nil || len(raw) != 32 {
		http.Error(rw, "want "+PathStates+"<sha256 hex>", http.StatusBadRequest)
		return
	}
	b, err := os.ReadFile(s.path([32]byte(raw)))
	if err != nil {
		http.Error(rw, "no such state", http.StatusNotFound)
		return
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(rw, r, "", time.Time{}, bytes.NewReader(b))
}
