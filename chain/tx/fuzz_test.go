package tx_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
)

// FuzzDecode checks that no input panics the decoder and that everything
// it accepts is canonical: re-encoding gives back the exact input bytes.
// The seed corpus runs in every `go test`; `go test -fuzz FuzzDecode
// ./chain/tx` explores further.
func FuzzDecode(f *testing.F) {
	reg := app.NewRegistry()
	raw := sample().Encode()
	f.Add(raw)
	f.Add(raw[:40])
	f.Add([]byte{})
	f.Add([]byte{tx.Version})
	f.Add(append(append([]byte(nil), raw...), 0xff))
	// One transaction carrying every other module's messages, so the fuzzer
	// starts from their decoders too.
	every := &tx.Tx{ChainID: "c", Fee: pha.Units(1), Msgs: []tx.Msg{
		&registry.MsgRegisterWorker{
			Info: registry.WorkerInfo{Version: 1, IdentityKey: make([]byte, 32), ECDHKey: make([]byte, 32), ChainID: "c",
				Features: []string{"mq/v1"}, BenchmarkScore: 1, AttestedHeight: 1, AttestedBlockHash: make([]byte, 32)},
			Attestation: tee.Attestation{Kind: tee.KindSim, Evidence: []byte{1, 2, 3}},
		},
		&registry.MsgUpdateEndpoint{Endpoint: "http://w", Height: 1, Signature: make([]byte, 64)},
		&mq.MsgPush{Message: mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker}, Topic: "registry/benchmark", Payload: []byte{1}, Signature: make([]byte, 64)}},
		&keys.MsgAddGatekeeper{}, &keys.MsgRotate{},
		&clusters.MsgCreate{}, &clusters.MsgMember{}, &clusters.MsgMember{Remove: true},
	}}
	every.Sign(key(1))
	f.Add(every.Encode())
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := tx.Decode(reg, in)
		if err != nil {
			return
		}
		if out := got.Encode(); !bytes.Equal(out, in) {
			t.Fatalf("non-canonical accept:\n in %x\nout %x", in, out)
		}
		_ = got.Verify() // must not panic either
	})
}

// FuzzDecodeMsgs goes through every registered message type's decoder
// directly (FuzzDecode reaches one only when a mutation spells its type
// name): no body panics a decoder or ValidateBasic, a refusal is
// ErrMalformed, and an accepted body is canonical.
func FuzzDecodeMsgs(f *testing.F) {
	reg := app.NewRegistry()
	types := reg.Types()
	for i := range types {
		f.Add(uint16(i), []byte{})
		f.Add(uint16(i), bytes.Repeat([]byte{1}, 40))
	}
	for _, m := range []tx.Msg{
		&registry.MsgRegisterWorker{Info: registry.WorkerInfo{Version: 1, IdentityKey: make([]byte, 32), ECDHKey: make([]byte, 32), ChainID: "c", AttestedBlockHash: make([]byte, 32)}},
		&mq.MsgPush{Message: mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker}, Topic: "registry/benchmark", Payload: []byte{1}, Signature: make([]byte, 64)}},
	} {
		i, _ := slices.BinarySearch(types, m.Type())
		f.Add(uint16(i), tx.EncodeMsg(m))
	}
	f.Fuzz(func(t *testing.T, which uint16, body []byte) {
		typ := types[int(which)%len(types)]
		m, err := reg.DecodeMsg(typ, body)
		if err != nil {
			if !errors.Is(err, tx.ErrMalformed) {
				t.Fatalf("%s: refusal is not ErrMalformed: %v", typ, err)
			}
			return
		}
		_ = m.ValidateBasic()
		if m.Type() != typ {
			t.Fatalf("%s decoder made a %s", typ, m.Type())
		}
		if out := tx.EncodeMsg(m); !bytes.Equal(out, body) {
			t.Fatalf("%s: non-canonical accept:\n in %x\nout %x", typ, body, out)
		}
	})
}
