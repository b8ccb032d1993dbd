// Package contractio holds what clients and enclaves exchange with a
// confidential contract: the plaintext of a command, the caller-sealed
// output of its result, and the signed, encrypted queries a client sends
// straight to a worker. The chain never sees any of it in the clear.
package contractio

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// ErrMalformed marks a command or output that does not decode.
var ErrMalformed = errors.New("contractio: malformed")

// ErrOpen marks an output that fails authentication: a wrong reply key,
// another contract or input, or tampering.
var ErrOpen = errors.New("contractio: output does not open with this reply key")

// Command is the plaintext of a command envelope.
type Command struct {
	// Payload is the contract's argument, any JSON.
	Payload json.RawMessage `json:"payload"`
	// ReplyKey is a fresh 32-byte key the caller keeps: the replicas seal
	// the output to it, so only the caller reads the result.
	ReplyKey []byte `json:"reply_key"`
}

// Decode reads a command plaintext.
func DecodeCommand(b []byte) (Command, error) {
	var c Command
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%w: command: %v", ErrMalformed, err)
	}
	if len(c.ReplyKey) != 32 {
		return c, fmt.Errorf("%w: reply key of %d bytes, want 32", ErrMalformed, len(c.ReplyKey))
	}
	if len(c.Payload) == 0 {
		c.Payload = json.RawMessage("null")
	}
	return c, nil
}

// Output is what a result's sealed output holds.
type Output struct {
	// Value is what the handler returned (JSON), when it succeeded.
	Value json.RawMessage `json:"value,omitempty"`
	// Events are what the handler emitted, in order.
	Events []json.RawMessage `json:"events,omitempty"`
	// Error is the handler's error message, when it failed; the chain
	// only sees its category.
	Error string `json:"error,omitempty"`
}

// outputAEAD keys the output cipher for one input of one contract, so a
// reply key reused by mistake still never meets the same nonce twice.
func outputAEAD(replyKey []byte, contract [32]byte, input uint64) (cipher.AEAD, []byte, error) {
	info := binary.BigEndian.AppendUint64(append([]byte("phala/contract-output/v1\x00"), contract[:]...), input)
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := hkdf.New(sha256.New, replyKey, nil, info).Read(k); err != nil {
		return nil, nil, err
	}
	a, err := chacha20poly1305.New(k)
	return a, info, err
}

// SealOutput encrypts an output to the caller's reply key. It is
// deterministic, so every replica produces the same bytes and any of them
// can win the result's sequence slot.
func SealOutput(replyKey []byte, contract [32]byte, input uint64, out Output) ([]byte, error) {
	a, ad, err := outputAEAD(replyKey, contract, input)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	// The key is unique to (reply key, contract, input), so a zero nonce
	// is used once.
	return a.Seal(nil, make([]byte, a.NonceSize()), plain, ad), nil
}

// OpenOutput decrypts a result's output with the caller's reply key.
func OpenOutput(replyKey []byte, contract [32]byte, input uint64, sealed []byte) (Output, error) {
	var out Output
	a, ad, err := outputAEAD(replyKey, contract, input)
	if err != nil {
		return out, err
	}
	plain, err := a.Open(nil, make([]byte, a.NonceSize()), sealed, ad)
	if err != nil {
		return out, ErrOpen
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return out, fmt.Errorf("%w: output: %v", ErrMalformed, err)
	}
	return out, nil
}
