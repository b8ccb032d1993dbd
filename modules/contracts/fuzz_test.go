package contracts_test

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/contracts"
)

// The decoders of what workers and the chain exchange about contracts:
// whatever decodes re-encodes to the same bytes, and nothing panics.

func FuzzDecodeInput(f *testing.F) {
	in := contracts.Input{Kind: contracts.InputCommand, Height: 7, TimeMillis: 1700000000000, Sender: address.Address{1}, Gas: 99, Body: []byte("envelope")}
	f.Add(in.Encode())
	f.Add([]byte{})
	f.Add([]byte{9, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := contracts.DecodeInput(b)
		if err != nil {
			return
		}
		if !bytes.Equal(in.Encode(), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	ok := contracts.ResultPayload{Input: 3, OK: true, Output: []byte("sealed"), Gas: 10}
	bad := contracts.ResultPayload{Input: 4, Error: "out of gas", Output: []byte("sealed detail")}
	f.Add(ok.Encode())
	f.Add(bad.Encode())
	f.Add([]byte{0, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := contracts.DecodeResult(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
	})
}

func FuzzDecodePubKeys(f *testing.F) {
	p := contracts.PubKeysPayload{Cluster: [32]byte{1}, Epoch: 2, Entries: []contracts.PubKeyEntry{{Contract: [32]byte{3}}}, Signature: make([]byte, 64)}
	f.Add(p.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := contracts.DecodePubKeys(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
	})
}
