package envelope

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"testing"
)

// Known answer, cross-checked against an independent Python implementation
// (pyca/cryptography X25519 and ChaCha20-Poly1305, hand-written HChaCha20,
// hmac-based HKDF): recipient private key 32×0x04, ephemeral private key
// 32×0x02, nonce 24×0x03, purpose "contract-command", sender "alice",
// plaintext "hello phala".
const (
	katRecipientPub = "ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b"
	katEphemeralPub = "ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59"
	katCiphertext   = "24d5bbe36ea83163d09e6eb85046e4e49b916eca4795021495e811"
	katEncoding     = "0110636f6e74726163742d636f6d6d616e6405616c696365" +
		katRecipientPub + katEphemeralPub +
		"030303030303030303030303030303030303030303030303" +
		"1b" + katCiphertext
)

func TestKnownAnswer(t *testing.T) {
	priv, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x04}, 32))
	if err != nil {
		t.Fatal(err)
	}
	rnd := bytes.NewReader(append(bytes.Repeat([]byte{0x02}, 32), bytes.Repeat([]byte{0x03}, 24)...))
	e, err := sealWith(rnd, priv.PublicKey(), PurposeContractCommand, []byte("alice"), []byte("hello phala"))
	if err != nil {
		t.Fatal(err)
	}
	for what, c := range map[string]struct {
		got  []byte
		want string
	}{
		"recipient":  {e.Recipient[:], katRecipientPub},
		"ephemeral":  {e.Ephemeral[:], katEphemeralPub},
		"ciphertext": {e.Ciphertext, katCiphertext},
		"encoding":   {e.Encode(), katEncoding},
	} {
		if h := hex.EncodeToString(c.got); h != c.want {
			t.Errorf("%s = %s, want %s", what, h, c.want)
		}
	}
	b, _ := hex.DecodeString(katEncoding)
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := Open(priv, PurposeContractCommand, d)
	if err != nil || string(pt) != "hello phala" {
		t.Fatalf("open known answer: %q, %v", pt, err)
	}
}
