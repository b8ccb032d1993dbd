// Package tx defines the signed transaction envelope: its canonical
// encoding, signing and verification. docs/tx-encoding.md is the spec.
package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Version is the first byte of every encoded transaction.
const Version = 1

// SignDomain prefixes the bytes a sender signs, so a transaction signature
// can never be replayed as a signature over anything else we sign.
const SignDomain = "phala/tx/v1\x00"

// Hard bounds applied while decoding, before any genesis parameter, so a
// hostile input cannot make the decoder allocate much.
const (
	MaxChainIDLen = 64
	MaxMsgTypeLen = 64
	MaxMsgs       = 64
	MaxMemoLen    = 256
	MaxDecodeSize = 1 << 20
)

// Tx is a transaction: one sender, a nonce, a fee and one or more messages.
type Tx struct {
	ChainID   string
	PubKey    ed25519.PublicKey
	Nonce     uint64
	Fee       pha.Amount
	Msgs      []Msg
	Memo      string
	Signature []byte
}

// Sender is the address of the signing key.
func (t *Tx) Sender() address.Address { return address.FromPubKey(t.PubKey) }

func (t *Tx) encodeBody(w *wire.Writer) {
	w.Byte(Version)
	w.String(t.ChainID)
	w.Raw(t.PubKey)
	w.Uvarint(t.Nonce)
	w.Amount(t.Fee)
	w.Uvarint(uint64(len(t.Msgs)))
	for _, m := range t.Msgs {
		w.String(m.Type())
		w.VarBytes(EncodeMsg(m))
	}
	w.String(t.Memo)
}

// SignBytes is what the sender signs: the domain, then the encoded body.
func (t *Tx) SignBytes() []byte {
	w := wire.NewWriter(256)
	w.Raw([]byte(SignDomain))
	t.encodeBody(w)
	return w.Bytes()
}

// Sign fills PubKey and Signature using key.
func (t *Tx) Sign(key ed25519.PrivateKey) {
	t.PubKey = key.Public().(ed25519.PublicKey)
	t.Signature = ed25519.Sign(key, t.SignBytes())
}

// Verify checks the signature against PubKey.
func (t *Tx) Verify() error {
	if len(t.PubKey) != ed25519.PublicKeySize || len(t.Signature) != ed25519.SignatureSize {
		return fmt.Errorf("%w: key or signature has the wrong size", ErrBadSignature)
	}
	if !ed25519.Verify(t.PubKey, t.SignBytes(), t.Signature) {
		return fmt.Errorf("%w: signature does not match sender %s", ErrBadSignature, t.Sender())
	}
	return nil
}

// Encode returns the canonical bytes of a signed transaction.
func (t *Tx) Encode() []byte {
	w := wire.NewWriter(256)
	t.encodeBody(w)
	w.Raw(t.Signature)
	return w.Bytes()
}

// Hash is the SHA-256 of the encoded transaction, as CometBFT indexes it.
func Hash(b []byte) [32]byte { return sha256.Sum256(b) }

// Decode parses an encoded transaction and its messages. It checks form
// only; signature, chain id and nonce are checked by the application.
func Decode(reg *Registry, b []byte) (*Tx, error) {
	if len(b) > MaxDecodeSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	r := wire.NewReader(b)
	if v := r.Byte(); r.Err() == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrMalformed, v, Version)
	}
	t := &Tx{}
	t.ChainID = r.String(MaxChainIDLen)
	t.PubKey = ed25519.PublicKey(clone(r.Raw(ed25519.PublicKeySize)))
	t.Nonce = r.Uvarint()
	t.Fee = r.Amount()
	n := r.Uvarint()
	if r.Err() == nil && (n == 0 || n > MaxMsgs) {
		return nil, fmt.Errorf("%w: %d messages, want 1 to %d", ErrMalformed, n, MaxMsgs)
	}
	type rawMsg struct {
		typ  string
		body []byte
	}
	raws := make([]rawMsg, 0, n)
	for i := uint64(0); i < n && r.Err() == nil; i++ {
		typ := r.String(MaxMsgTypeLen)
		body := r.VarBytes(MaxDecodeSize)
		raws = append(raws, rawMsg{typ, body})
	}
	t.Memo = r.String(MaxMemoLen)
	t.Signature = clone(r.Raw(ed25519.SignatureSize))
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	t.Msgs = make([]Msg, len(raws))
	for i, rm := range raws {
		m, err := reg.DecodeMsg(rm.typ, rm.body)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		t.Msgs[i] = m
	}
	return t, nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
