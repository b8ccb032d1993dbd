package state

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
)

// Store is the committed application state: one IAVL tree holding every
// module's keys under the module's prefix. Its root hash is the AppHash.
type Store struct {
	db   dbm.DB
	tree *iavl.MutableTree
	// watch is the prefix whose writes since the last commit are tracked
	// (nil: none); changed holds them in first-write order with the
	// committed value, and seen indexes them. None of it is state.
	watch   []byte
	changed []Change
	seen    map[string]struct{}
}

// Change is a watched key written since the last commit: its value at the
// last commit (nil: absent) and now.
type Change struct {
	Key, Before, After []byte
}

// cacheSize is the number of IAVL nodes kept in memory.
const cacheSize = 100_000

// Open opens (or creates) the state database "application" in dir and loads
// its latest version. An empty dir gives an empty store at version 0.
func Open(dir string, logger *slog.Logger) (*Store, error) {
	db, err := dbm.NewGoLevelDB("application", dir, nil)
	if err != nil {
		return nil, fmt.Errorf("open state db in %s: %w", dir, err)
	}
	return open(db, logger)
}

// OpenMemory returns an empty in-memory store, for tests and tools.
func OpenMemory() *Store {
	s, err := open(dbm.NewMemDB(), slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err) // an in-memory DB cannot fail to load
	}
	return s
}

func open(db dbm.DB, logger *slog.Logger) (*Store, error) {
	tree := iavl.NewMutableTree(idb.NewWrapper(db), cacheSize, true, iavlLogger{logger})
	if _, err := tree.Load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("load state tree: %w", err)
	}
	return &Store{db: db, tree: tree}, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Get reads the working (uncommitted) value of key.
func (s *Store) Get(key []byte) []byte {
	v, err := s.tree.Get(key)
	must(err)
	return v
}

// Set writes key in the working tree. The value must not be empty: ICS23
// cannot prove an empty leaf, and light clients must be able to prove
// every value (a programming error panics).
func (s *Store) Set(key, value []byte) {
	if len(value) == 0 {
		panic(fmt.Sprintf("state: empty value for key %q", key))
	}
	s.note(key)
	_, err := s.tree.Set(key, value)
	must(err)
}

// Delete removes key from the working tree.
func (s *Store) Delete(key []byte) {
	s.note(key)
	_, _, err := s.tree.Remove(key)
	must(err)
}

// Watch makes the store remember every key under prefix written since the
// last commit, with its committed value, so an invariant over those keys
// can be checked after each block by reading what the block changed
// rather than every key. One prefix at a time; nil stops watching.
func (s *Store) Watch(prefix []byte) {
	s.watch = bytes.Clone(prefix)
	s.changed, s.seen = nil, map[string]struct{}{}
}

// note records key's committed value before its first write since the
// last commit, if key is watched.
func (s *Store) note(key []byte) {
	if s.watch == nil || !bytes.HasPrefix(key, s.watch) {
		return
	}
	if _, ok := s.seen[string(key)]; ok {
		return
	}
	s.seen[string(key)] = struct{}{}
	s.changed = append(s.changed, Change{Key: bytes.Clone(key), Before: s.Get(key)})
}

// Changes returns the watched keys written since the last commit, in the
// order of their first writes, with their committed and working values.
func (s *Store) Changes() []Change {
	out := make([]Change, len(s.changed))
	for i, c := range s.changed {
		out[i] = Change{Key: c.Key, Before: c.Before, After: s.Get(c.Key)}
	}
	return out
}

// Iterate walks the working tree.
func (s *Store) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	walk(s.tree.Iterator, prefix, fn)
}

// walk runs fn over the keys with prefix of an IAVL tree's iterator.
func walk(iterator func(start, end []byte, ascending bool) (idb.Iterator, error), prefix []byte, fn func(key, value []byte) bool) {
	it, err := iterator(prefix, PrefixEnd(prefix), true)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	must(it.Error())
}

// WorkingHash is the root hash including uncommitted writes: the AppHash
// the block being finalized will commit to.
func (s *Store) WorkingHash() []byte { return s.tree.WorkingHash() }

// Commit saves the working tree as the next version.
func (s *Store) Commit() (hash []byte, version int64, err error) {
	hash, version, err = s.tree.SaveVersion()
	if err != nil {
		return nil, 0, fmt.Errorf("commit state version: %w", err)
	}
	s.changed = s.changed[:0]
	clear(s.seen)
	return hash, version, nil
}

// Forget deletes the committed versions up to and including version; the
// later ones, the latest included, stay whole. Forgetting a version that is
// already gone does nothing. Callers keep queries out while it runs (the
// app's lock): IAVL does not count readers of an old version.
func (s *Store) Forget(version int64) error {
	if version <= 0 || !s.tree.VersionExists(version) {
		return nil
	}
	if err := s.tree.DeleteVersionsTo(version); err != nil {
		return fmt.Errorf("forget state versions up to %d: %w", version, err)
	}
	return nil
}

// Version is the last committed version (block height).
func (s *Store) Version() int64 { return s.tree.Version() }

// Hash is the root hash of the last committed version.
func (s *Store) Hash() []byte { return s.tree.Hash() }

// SetInitialVersion makes the first commit produce version v, for chains
// whose genesis starts above height 1.
func (s *Store) SetInitialVersion(v uint64) { s.tree.SetInitialVersion(v) }

// ErrVersionNotFound is returned for a query at a height the store does not
// hold.
var ErrVersionNotFound = errors.New("state version not found")

// At returns a read-only view of a committed version; version 0 means the
// latest.
func (s *Store) At(version int64) (*View, error) {
	if version == 0 {
		version = s.tree.Version()
	}
	if !s.tree.VersionExists(version) {
		return nil, fmt.Errorf("%w: height %d (latest %d)", ErrVersionNotFound, version, s.tree.Version())
	}
	t, err := s.tree.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("load state at height %d: %w", version, err)
	}
	return &View{tree: t, version: version}, nil
}

// View is a read-only committed version of the state.
type View struct {
	tree    *iavl.ImmutableTree
	version int64
}

// Version is the height of this view.
func (v *View) Version() int64 { return v.version }

// Hash is the root hash of this version.
func (v *View) Hash() []byte {
	h := v.tree.Hash()
	return h
}

// Get reads key.
func (v *View) Get(key []byte) []byte {
	val, err := v.tree.Get(key)
	must(err)
	return val
}

// Set panics: views are read-only.
func (v *View) Set(key, value []byte) { panic("state: write to a read-only view") }

// Delete panics: views are read-only.
func (v *View) Delete(key []byte) { panic("state: write to a read-only view") }

// Iterate walks the view.
func (v *View) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	walk(v.tree.Iterator, prefix, fn)
}

// Prove returns an ICS23 proof that key has its value in this version (or
// is absent, when it has none), checkable against Hash.
func (v *View) Prove(key []byte) (*ics23.CommitmentProof, error) {
	p, err := v.tree.GetProof(key)
	if err != nil {
		return nil, fmt.Errorf("prove key at height %d: %w", v.version, err)
	}
	return p, nil
}

type iavlLogger struct{ l *slog.Logger }

func (l iavlLogger) Info(msg string, kv ...any)  { l.l.Debug(msg, kv...) }
func (l iavlLogger) Warn(msg string, kv ...any)  { l.l.Warn(msg, kv...) }
func (l iavlLogger) Error(msg string, kv ...any) { l.l.Error(msg, kv...) }
func (l iavlLogger) Debug(msg string, kv ...any) { l.l.Debug(msg, kv...) }
