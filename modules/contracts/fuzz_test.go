package contracts_test

import (
	"bytes"
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
