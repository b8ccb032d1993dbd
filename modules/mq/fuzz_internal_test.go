package mq

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/wire"
)

// FuzzDecodeEgress: an egress message reaches an enclave from the host,
// proven against the chain's state; no bytes panic the decoder, a refusal
// names the egress record and the wire check that failed, and what
// decodes re-encodes to the same bytes (the layout is canonical).
func FuzzDecodeEgress(f *testing.F) {
	raw := Egress{Topic: "keys/deliver", Payload: []byte{1, 2, 3}}.encode()
	for _, b := range [][]byte{raw, raw[:len(raw)-1], append(bytes.Clone(raw), 0), {0, 0}, nil} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEgress(b)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) || !strings.HasPrefix(err.Error(), "egress message: ") {
				t.Fatalf("refusal does not name the egress record and its check: %v", err)
			}
			return
		}
		if again := e.encode(); !bytes.Equal(again, b) {
			t.Fatalf("egress %x re-encodes as %x", b, again)
		}
	})
}

// FuzzParseOrigin: an origin's kind and id come from query paths and CLI
// flags; no input panics the parser, a refusal is ErrInvalidMessage, and
// an origin that parses prints back as its kind and its id in lower case.
func FuzzParseOrigin(f *testing.F) {
	id := strings.Repeat("ab", OriginIDSize)
	for _, k := range []string{"worker", "gatekeeper", "cluster", "contract", "origin(9)", ""} {
		f.Add(k, id)
	}
	f.Add("worker", id[:10])
	f.Add("worker", strings.ToUpper(id))
	f.Fuzz(func(t *testing.T, kind, id string) {
		o, err := ParseOrigin(kind, id)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("refusal is not ErrInvalidMessage: %v", err)
			}
			return
		}
		if want := kind + "/" + strings.ToLower(id); o.String() != want {
			t.Fatalf("origin %q %q prints as %q", kind, id, o.String())
		}
		if b, _ := hex.DecodeString(id); !bytes.Equal(o.ID[:], b) {
			t.Fatalf("origin id %x, want %s", o.ID, id)
		}
	})
}
