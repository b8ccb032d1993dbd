package contracts_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/contracts"
)

// The decoders of what workers and the chain exchange about contracts:
// whatever decodes re-encodes to the same bytes, and nothing panics.

// fuzzRoundTrip fuzzes decode from f's seeds: what decodes must encode to
// the same bytes.
func fuzzRoundTrip[T any](f *testing.F, decode func([]byte) (T, error), encode func(T) []byte) {
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encode(v), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
	})
}

func FuzzDecodeInput(f *testing.F) {
	in := contracts.Input{Kind: contracts.InputCommand, Height: 7, TimeMillis: 1700000000000, Sender: address.Address{1}, Gas: 99, Body: []byte("envelope")}
	f.Add(in.Encode())
	f.Add([]byte{})
	f.Add([]byte{9, 0, 0})
	fuzzRoundTrip(f, contracts.DecodeInput, func(in contracts.Input) []byte { return in.Encode() })
}

func FuzzDecodeResult(f *testing.F) {
	ok := contracts.ResultPayload{Input: 3, OK: true, Output: []byte("sealed"), Gas: 10}
	bad := contracts.ResultPayload{Input: 4, Error: "out of gas", Output: []byte("sealed detail")}
	f.Add(ok.Encode())
	f.Add(bad.Encode())
	f.Add([]byte{0, 7})
	fuzzRoundTrip(f, contracts.DecodeResult, func(p contracts.ResultPayload) []byte { return p.Encode() })
}

func FuzzDecodePubKeys(f *testing.F) {
	p := contracts.PubKeysPayload{Cluster: [32]byte{1}, Epoch: 2, Entries: []contracts.PubKeyEntry{{Contract: [32]byte{3}}}, Signature: make([]byte, 64)}
	f.Add(p.Encode())
	f.Add([]byte{})
	fuzzRoundTrip(f, contracts.DecodePubKeys, func(p contracts.PubKeysPayload) []byte { return p.Encode() })
}

// FuzzParseCommandSender: a command envelope's sender field is bytes a
// caller chose, read by the chain and the contract's workers; it parses
// only as what CommandSender writes.
func FuzzParseCommandSender(f *testing.F) {
	s := contracts.CommandSender(address.Module("fuzz"), 1<<40)
	f.Add(s)
	f.Add(s[:len(s)-1])
	f.Add(append(bytes.Clone(s), 0))
	type sender struct {
		a address.Address
		h int64
	}
	fuzzRoundTrip(f, func(b []byte) (sender, error) {
		a, h, err := contracts.ParseCommandSender(b)
		if err != nil && !errors.Is(err, contracts.ErrBadExpiry) {
			panic(fmt.Sprintf("refusal is not ErrBadExpiry: %v", err))
		}
		return sender{a, h}, err
	}, func(s sender) []byte { return contracts.CommandSender(s.a, s.h) })
}

// FuzzDecodeIDs: a list of 32-byte ids read from state never panics the
// decoder, and its whole ids re-encode to the input's leading bytes (a
// ragged tail is dropped: the chain writes whole ids only).
func FuzzDecodeIDs(f *testing.F) {
	f.Add(bytes.Repeat([]byte{1}, 64))
	f.Add(bytes.Repeat([]byte{1}, 65))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ids := contracts.DecodeIDs(b)
		var again []byte
		for _, id := range ids {
			again = append(again, id[:]...)
		}
		if len(again) != len(b)/32*32 || !bytes.Equal(again, b[:len(again)]) {
			t.Fatalf("ids %x of %x", again, b)
		}
	})
}
