package state

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cosmos/iavl"
)

// Export writes the tree of a committed version as a flat list of IAVL
// export nodes (key, value, version, height; the order IAVL's importer
// rebuilds the same tree from), so another store can Import it and reach
// the same root hash without replaying the blocks.
func (s *Store) Export(version int64) ([]byte, error) {
	if !s.tree.VersionExists(version) {
		return nil, fmt.Errorf("%w: export height %d", ErrVersionNotFound, version)
	}
	t, err := s.tree.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("export state at height %d: %w", version, err)
	}
	exp, err := t.Export()
	if err != nil {
		return nil, fmt.Errorf("export state at height %d: %w", version, err)
	}
	defer exp.Close()
	var out []byte
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("export state at height %d: %w", version, err)
		}
		out = appendBytes(appendBytes(out, n.Key), n.Value)
		out = binary.AppendVarint(binary.AppendVarint(out, n.Version), int64(n.Height))
	}
}

// ErrBadSnapshot marks state snapshot data that does not decode, or does
// not rebuild the tree it claims.
var ErrBadSnapshot = errors.New("bad state snapshot")

// Import rebuilds an empty store at version from what Export wrote and
// returns the root hash it reached; the caller compares it with the
// AppHash it trusts.
func (s *Store) Import(version int64, data []byte) ([]byte, error) {
	if s.tree.Version() != 0 {
		return nil, fmt.Errorf("%w: the store is at height %d, not empty", ErrBadSnapshot, s.tree.Version())
	}
	imp, err := s.tree.Import(version)
	if err != nil {
		return nil, fmt.Errorf("import state at height %d: %w", version, err)
	}
	defer imp.Close()
	for len(data) > 0 {
		var n iavl.ExportNode
		var h int64
		var ok1, ok2, ok3, ok4 bool
		n.Key, data, ok1 = readBytes(data)
		n.Value, data, ok2 = readBytes(data)
		n.Version, data, ok3 = readVarint(data)
		h, data, ok4 = readVarint(data)
		if !ok1 || !ok2 || !ok3 || !ok4 || h < 0 || h > 127 {
			return nil, fmt.Errorf("%w: truncated or malformed node", ErrBadSnapshot)
		}
		if h == 0 && n.Value == nil {
			n.Value = []byte{}
		}
		n.Height = int8(h)
		if err := imp.Add(&n); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadSnapshot, err)
		}
	}
	if err := imp.Commit(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	return s.tree.Hash(), nil
}

// appendBytes appends b with a length prefix; nil and empty differ (an
// inner node has no value).
func appendBytes(out, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(out, -1)
	}
	return append(binary.AppendVarint(out, int64(len(b))), b...)
}

func readBytes(data []byte) ([]byte, []byte, bool) {
	n, data, ok := readVarint(data)
	if !ok || n < -1 || n > int64(len(data)) {
		return nil, nil, false
	}
	if n == -1 {
		return nil, data, true
	}
	return append([]byte(nil), data[:n]...), data[n:], true
}

func readVarint(data []byte) (int64, []byte, bool) {
	v, k := binary.Varint(data)
	if k <= 0 {
		return 0, nil, false
	}
	return v, data[k:], true
}
