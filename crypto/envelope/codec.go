package envelope

import (
	"fmt"
	"unicode/utf8"

	"github.com/phalanetwork/phala/chain/wire"
)

// appendHeader writes the canonical encoding of h, which is also the AEAD
// associated data.
func appendHeader(w *wire.Writer, h *Header) {
	w.Byte(h.Version)
	w.String(h.Purpose)
	w.VarBytes(h.Sender)
	w.Raw(h.Recipient[:])
	w.Raw(h.Ephemeral[:])
	w.Raw(h.Nonce[:])
}

// associatedData returns the canonical encoding of h.
func associatedData(h *Header) []byte {
	w := wire.NewWriter(1 + 1 + len(h.Purpose) + 1 + len(h.Sender) + 32 + 32 + 24)
	appendHeader(w, h)
	return w.Bytes()
}

// Encode returns the canonical encoding of e: version, purpose, sender,
// recipient, ephemeral key, nonce and ciphertext; nil for a nil envelope.
func (e *Envelope) Encode() []byte {
	if e == nil {
		return nil
	}
	w := wire.NewWriter(1 + 2 + len(e.Purpose) + 2 + len(e.Sender) + 32 + 32 + 24 + 4 + len(e.Ciphertext))
	appendHeader(w, &e.Header)
	w.VarBytes(e.Ciphertext)
	return w.Bytes()
}

// Decode parses a canonical encoding, rejecting bad versions, oversize or
// empty fields and trailing bytes; the result does not alias b.
func Decode(b []byte) (*Envelope, error) {
	r := wire.NewReader(b)
	e := &Envelope{}
	e.Version = r.Byte()
	if r.Err() == nil && e.Version != Version {
		r.Fail("unsupported version %d", e.Version)
	}
	e.Purpose = r.String(MaxPurpose)
	if r.Err() == nil && e.Purpose == "" {
		r.Fail("empty purpose")
	}
	e.Sender = clone(r.VarBytes(MaxSender))
	copy(e.Recipient[:], r.Raw(32))
	copy(e.Ephemeral[:], r.Raw(32))
	copy(e.Nonce[:], r.Raw(24))
	e.Ciphertext = clone(r.VarBytes(MaxCiphertext))
	if r.Err() == nil && len(e.Ciphertext) < Overhead {
		r.Fail("ciphertext of %d bytes is shorter than the tag", len(e.Ciphertext))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode envelope: %w: %w", ErrMalformed, err)
	}
	return e, nil
}

// checkHeader validates the fields Seal writes and Decode enforces.
func checkHeader(h *Header) error {
	if h.Version != Version {
		return fmt.Errorf("unsupported version %d", h.Version)
	}
	return checkFields(h.Purpose, h.Sender)
}

// checkFields validates a purpose and a sender.
func checkFields(purpose string, sender []byte) error {
	switch {
	case purpose == "":
		return fmt.Errorf("empty purpose")
	case len(purpose) > MaxPurpose:
		return fmt.Errorf("purpose of %d bytes exceeds %d", len(purpose), MaxPurpose)
	case !utf8.ValidString(purpose):
		return fmt.Errorf("purpose is not valid UTF-8")
	case len(sender) > MaxSender:
		return fmt.Errorf("sender of %d bytes exceeds %d", len(sender), MaxSender)
	}
	return nil
}

// clone returns a copy of b that does not alias it.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
