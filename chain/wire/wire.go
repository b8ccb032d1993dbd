// Package wire is the canonical binary encoding of transactions and messages.
//
// Every value has exactly one encoding: unsigned integers are minimal
// uvarints, byte strings and UTF-8 strings are a uvarint length followed by
// the bytes, fixed-size fields are written raw, and a decoder rejects
// trailing bytes. docs/tx-encoding.md describes the format.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed encoding")

// Writer appends canonical encodings to a buffer.
type Writer struct {
	buf []byte
}

// NewWriter returns a Writer with room for n bytes.
func NewWriter(n int) *Writer { return &Writer{buf: make([]byte, 0, n)} }

// Bytes returns the encoding written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Uvarint writes v as a minimal unsigned varint.
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Byte writes one byte.
func (w *Writer) Byte(b byte) { w.buf = append(w.buf, b) }

// Bool writes 0 or 1.
func (w *Writer) Bool(b bool) {
	if b {
		w.Byte(1)
	} else {
		w.Byte(0)
	}
}

// Raw writes b with no length prefix; the reader must know its size.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// VarBytes writes a length-prefixed byte string.
func (w *Writer) VarBytes(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.Raw(b)
}

// String writes a length-prefixed UTF-8 string.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Amount writes a 16-byte big-endian amount.
func (w *Writer) Amount(a pha.Amount) {
	var b [pha.Size]byte
	a.Put(b[:])
	w.Raw(b[:])
}

// Address writes a 20-byte address.
func (w *Writer) Address(a address.Address) { w.Raw(a[:]) }

// Reader decodes canonical encodings. The first error sticks: later reads
// return zero values, and Err or Done reports it.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Err returns the first decoding error.
func (r *Reader) Err() error { return r.err }

// Done returns the first error, or an error if bytes remain unread.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.fail("%d trailing bytes", len(r.buf)-r.off)
	}
	return r.err
}

// Offset is the number of bytes consumed.
func (r *Reader) Offset() int { return r.off }

// Fail marks the input malformed with a reason, for decoders that check
// more than the primitives do (counts, enumerations).
func (r *Reader) Fail(format string, args ...any) { r.fail(format, args...) }

func (r *Reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at byte %d: %s", ErrMalformed, r.off, fmt.Sprintf(format, args...))
	}
}

// Uvarint reads a minimal unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	// Exactly one encoding per value: reject padded varints.
	if n != uvarintLen(v) {
		r.fail("non-minimal varint")
		return 0
	}
	r.off += n
	return v
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	b := r.Raw(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Bool reads 0 or 1; anything else is malformed.
func (r *Reader) Bool() bool {
	switch r.Byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bool is neither 0 nor 1")
	return false
}

// Raw reads exactly n bytes; the result aliases the input.
func (r *Reader) Raw(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.buf)-r.off < n {
		r.fail("want %d bytes, have %d", n, len(r.buf)-r.off)
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

// Bytes32 reads exactly 32 bytes into an array (ids, hashes, keys); it is
// all zeros once the reader has failed.
func (r *Reader) Bytes32() (b [32]byte) {
	copy(b[:], r.Raw(32))
	return b
}

// VarBytes reads a length-prefixed byte string of at most max bytes; the
// result aliases the input.
func (r *Reader) VarBytes(max int) []byte {
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(max) {
		r.fail("length %d exceeds limit %d", n, max)
		return nil
	}
	return r.Raw(int(n))
}

// String reads a length-prefixed UTF-8 string of at most max bytes.
func (r *Reader) String(max int) string {
	b := r.VarBytes(max)
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.fail("string is not valid UTF-8")
		return ""
	}
	return string(b)
}

// Amount reads a 16-byte amount.
func (r *Reader) Amount() pha.Amount {
	b := r.Raw(pha.Size)
	if b == nil {
		return pha.Amount{}
	}
	a, _ := pha.FromBytes(b)
	return a
}

// Address reads a 20-byte address.
func (r *Reader) Address() address.Address {
	var a address.Address
	copy(a[:], r.Raw(address.Size))
	return a
}
