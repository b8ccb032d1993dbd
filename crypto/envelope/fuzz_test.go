package envelope

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// re-encodes to exactly the input (one encoding per envelope).
func FuzzDecode(f *testing.F) {
	kat, _ := hex.DecodeString(katEncoding)
	f.Add(kat)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(kat[:len(kat)-1])
	f.Add(append(bytes.Clone(kat), 0))
	k, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		f.Fatal(err)
	}
	for _, sender := range [][]byte{nil, []byte("bob"), make([]byte, MaxSender)} {
		e, err := Seal(k.PublicKey(), PurposeAgentSecret, sender, []byte("seed"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Encode())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			if e != nil {
				t.Fatal("Decode returned an envelope with an error")
			}
			return
		}
		if got := e.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding differs:\n in  %x\n out %x", b, got)
		}
		// Opening arbitrary input must not panic either.
		if pt, err := Open(k, e.Purpose, e); err != nil && pt != nil {
			t.Fatal("Open returned plaintext with an error")
		}
	})
}
