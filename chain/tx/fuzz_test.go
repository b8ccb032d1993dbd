package tx_test

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
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
