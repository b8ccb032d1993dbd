// Package gguf reads GGUF model files (versions 2 and 3), the format of
// llama.cpp: the header, the metadata key/values, the tensor table and the
// tensor data, which it dequantizes to float32 for the types it supports.
//
// A file is read into memory whole and parsed with every count and length
// checked against the bytes that remain before anything is allocated, so a
// hostile or truncated file gives an error, never a panic or an allocation
// larger than the file.
package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Magic is the four bytes every GGUF file starts with.
const Magic = "GGUF"

// DefaultAlignment is the tensor data alignment when general.alignment is absent.
const DefaultAlignment = 32

// maxArrayDepth bounds how deeply metadata arrays may nest.
const maxArrayDepth = 4

// Errors returned by the reader; each returned error wraps one of them.
var (
	// ErrBadMagic marks a file that does not start with "GGUF".
	ErrBadMagic = errors.New("gguf: bad magic (not a GGUF file)")
	// ErrUnsupportedVersion marks a GGUF version other than 2 or 3.
	ErrUnsupportedVersion = errors.New("gguf: unsupported version")
	// ErrTruncated marks a file that ends before what its header declares.
	ErrTruncated = errors.New("gguf: truncated file")
	// ErrInvalid marks a structurally invalid file (bad type code, bad
	// dimension, overlapping or misaligned data, duplicate name).
	ErrInvalid = errors.New("gguf: invalid file")
	// ErrUnsupportedType marks a tensor type this package cannot dequantize.
	ErrUnsupportedType = errors.New("gguf: unsupported tensor type")
	// ErrNotFound marks a tensor or metadata key that is not in the file.
	ErrNotFound = errors.New("gguf: not found")
)

// File is a parsed GGUF file held in memory.
type File struct {
	// Version is the GGUF format version (2 or 3).
	Version uint32
	// KVs are the metadata key/values in file order.
	KVs []KV
	// Tensors is the tensor table in file order.
	Tensors []TensorInfo
	// Alignment is the tensor data alignment (general.alignment or 32).
	Alignment uint64
	// DataOffset is the file offset where the tensor data section starts.
	DataOffset uint64

	kvIndex     map[string]int
	tensorIndex map[string]int
	data        []byte // tensor data section
}

// Open reads the file at path into memory and parses it.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("gguf: %s is not a regular file", path)
	}
	size := st.Size()
	if size > math.MaxInt-1 {
		return nil, fmt.Errorf("gguf: %s: file too large", path)
	}
	// Read at most what Stat reports; a file that shrank meanwhile is
	// parsed as it is (and so reported truncated), one that grew is cut.
	buf := make([]byte, size)
	n, err := io.ReadFull(fh, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("gguf: reading %s: %w", path, err)
	}
	f, err := Parse(buf[:n])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse parses a whole GGUF file held in b; the File keeps a reference to b.
func Parse(b []byte) (*File, error) {
	r := &reader{b: b}
	f, nTensors, nKV, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if err := f.readKVs(r, nKV); err != nil {
		return nil, err
	}
	if err := f.readAlignment(); err != nil {
		return nil, err
	}
	if err := f.readTensorInfos(r, nTensors); err != nil {
		return nil, err
	}
	if err := f.placeData(b, uint64(r.off)); err != nil {
		return nil, err
	}
	return f, nil
}

// readHeader reads the magic, the version and the tensor and metadata
// counts.
func readHeader(r *reader) (f *File, nTensors, nKV uint64, err error) {
	magic, err := r.bytes(4, "magic")
	if err != nil {
		return nil, 0, 0, err
	}
	if string(magic) != Magic {
		return nil, 0, 0, fmt.Errorf("%w: got %q", ErrBadMagic, magic)
	}
	f = &File{kvIndex: map[string]int{}, tensorIndex: map[string]int{}}
	if f.Version, err = r.u32("version"); err != nil {
		return nil, 0, 0, err
	}
	if f.Version != 2 && f.Version != 3 {
		return nil, 0, 0, fmt.Errorf("%w: %d (supported: 2, 3)", ErrUnsupportedVersion, f.Version)
	}
	if nTensors, err = r.u64("tensor count"); err != nil {
		return nil, 0, 0, err
	}
	if nKV, err = r.u64("metadata count"); err != nil {
		return nil, 0, 0, err
	}
	return f, nTensors, nKV, nil
}

// readKVs reads the nKV metadata key/values, rejecting duplicate keys.
func (f *File) readKVs(r *reader, nKV uint64) error {
	// A key/value takes at least 8 (key length) + 4 (type) + 1 bytes.
	if nKV > uint64(r.remaining())/13 {
		return fmt.Errorf("%w: %d metadata entries cannot fit in %d bytes", ErrTruncated, nKV, r.remaining())
	}
	f.KVs = make([]KV, 0, nKV)
	for i := uint64(0); i < nKV; i++ {
		key, err := r.str("metadata key")
		if err != nil {
			return err
		}
		if _, dup := f.kvIndex[key]; dup {
			return fmt.Errorf("%w: duplicate metadata key %q", ErrInvalid, key)
		}
		t, err := r.u32("metadata type of " + key)
		if err != nil {
			return err
		}
		v, err := r.value(ValueType(t), key, 0)
		if err != nil {
			return err
		}
		f.kvIndex[key] = len(f.KVs)
		f.KVs = append(f.KVs, KV{Key: key, Value: v})
	}
	return nil
}

// readAlignment sets the tensor data alignment from general.alignment, or
// the default.
func (f *File) readAlignment() error {
	f.Alignment = DefaultAlignment
	if v, ok := f.Lookup("general.alignment"); ok {
		a, ok := v.Uint()
		if !ok || a == 0 || a&(a-1) != 0 || a > 1<<20 {
			return fmt.Errorf("%w: general.alignment %v is not a power of two up to 1 MiB", ErrInvalid, v)
		}
		f.Alignment = a
	}
	return nil
}

// readTensorInfos reads the nTensors tensor infos, rejecting duplicate
// names.
func (f *File) readTensorInfos(r *reader, nTensors uint64) error {
	// A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type)
	// + 8 (offset) bytes.
	if nTensors > uint64(r.remaining())/24 {
		return fmt.Errorf("%w: %d tensors cannot fit in %d bytes", ErrTruncated, nTensors, r.remaining())
	}
	f.Tensors = make([]TensorInfo, 0, nTensors)
	for i := uint64(0); i < nTensors; i++ {
		ti, err := r.tensorInfo()
		if err != nil {
			return err
		}
		if _, dup := f.tensorIndex[ti.Name]; dup {
			return fmt.Errorf("%w: duplicate tensor %q", ErrInvalid, ti.Name)
		}
		f.tensorIndex[ti.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, ti)
	}
	return nil
}

// placeData finds the tensor data section of b, at the first aligned
// offset from off, and checks that every tensor lies aligned inside it.
func (f *File) placeData(b []byte, off uint64) error {
	start := alignUp(off, f.Alignment)
	if len(f.Tensors) == 0 && start > uint64(len(b)) {
		start = uint64(len(b)) // no tensors: padding may be absent
	}
	if start > uint64(len(b)) {
		return fmt.Errorf("%w: tensor data would start at %d, past the end (%d bytes)", ErrTruncated, start, len(b))
	}
	f.DataOffset = start
	f.data = b[start:]
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Offset%f.Alignment != 0 {
			return fmt.Errorf("%w: tensor %q offset %d is not a multiple of the alignment %d", ErrInvalid, t.Name, t.Offset, f.Alignment)
		}
		if t.Offset > uint64(len(f.data)) || t.Size > uint64(len(f.data))-t.Offset {
			return fmt.Errorf("%w: tensor %q data [%d, +%d) is past the end of the data section (%d bytes)", ErrTruncated, t.Name, t.Offset, t.Size, len(f.data))
		}
	}
	return nil
}

// Data returns the raw bytes of the tensor called name.
func (f *File) Data(name string) ([]byte, TensorInfo, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, TensorInfo{}, fmt.Errorf("%w: tensor %q", ErrNotFound, name)
	}
	return f.data[t.Offset : t.Offset+t.Size : t.Offset+t.Size], t, nil
}

// Float32s returns the tensor called name dequantized to float32, in
// GGUF element order (the first dimension varies fastest).
func (f *File) Float32s(name string) ([]float32, TensorInfo, error) {
	raw, t, err := f.Data(name)
	if err != nil {
		return nil, t, err
	}
	out, err := Dequantize(t.Type, raw, t.Elements)
	if err != nil {
		return nil, t, fmt.Errorf("tensor %q: %w", name, err)
	}
	return out, t, nil
}

// reader is a bounds-checked little-endian cursor over b.
type reader struct {
	b   []byte
	off int
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) bytes(n uint64, what string) ([]byte, error) {
	if n > uint64(r.remaining()) {
		return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrTruncated, what, n, r.off, r.remaining())
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

func (r *reader) u8(what string) (uint8, error) {
	return fixed(r, 1, what, func(b []byte) uint8 { return b[0] })
}

func (r *reader) u16(what string) (uint16, error) {
	return fixed(r, 2, what, binary.LittleEndian.Uint16)
}

func (r *reader) u32(what string) (uint32, error) {
	return fixed(r, 4, what, binary.LittleEndian.Uint32)
}

func (r *reader) u64(what string) (uint64, error) {
	return fixed(r, 8, what, binary.LittleEndian.Uint64)
}

// fixed reads the next n bytes and decodes them with dec.
func fixed[T any](r *reader, n uint64, what string, dec func([]byte) T) (T, error) {
	s, err := r.bytes(n, what)
	if err != nil {
		var zero T
		return zero, err
	}
	return dec(s), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	s, err := r.bytes(n, what)
	if err != nil {
		return "", err
	}
	return string(s), nil
}

func alignUp(x, a uint64) uint64 {
	if r := x % a; r != 0 {
		if x > math.MaxUint64-(a-r) {
			return math.MaxUint64
		}
		return x + a - r
	}
	return x
}
