package agentio

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// TestPersonalSignature: a known ethers vector (the private key
// 0x0123...0123, whose address ethers' documentation gives) and round
// trips; each malformed or foreign signature is refused with
// ErrEthSignature.
func TestPersonalSignature(t *testing.T) {
	raw, _ := hex.DecodeString("0123456789012345678901234567890123456789012345678901234567890123")
	key := secp256k1.PrivKeyFromBytes(raw)
	if got := EthAddressHex(EthAddress(key.PubKey())); got != "0x14791697260e4c9a71f18484c9f997b308e59325" {
		t.Fatalf("address %s", got)
	}
	msg := []byte("Hello World")
	sig := SignPersonal(key, msg)
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("signature %x", sig)
	}
	if err := VerifyPersonal(msg, sig, "0x14791697260E4c9A71f18484C9f997B308e59325"); err != nil {
		t.Fatal(err)
	}
	low := append([]byte(nil), sig...)
	low[64] -= 27 // v as 0/1, as some signers write it
	if err := VerifyPersonal(msg, low, "14791697260e4c9a71f18484c9f997b308e59325"); err != nil {
		t.Fatal(err)
	}
	other := secp256k1.PrivKeyFromBytes([]byte{1})
	bad := map[string]struct {
		msg, sig []byte
	}{
		"other message":  {[]byte("Hello World!"), sig},
		"other signer":   {msg, SignPersonal(other, msg)},
		"short":          {msg, sig[:64]},
		"v out of range": {msg, append(append([]byte(nil), sig[:64]...), 29)},
		"zero r":         {msg, append(make([]byte, 32), sig[32:]...)},
	}
	for name, c := range bad {
		if err := VerifyPersonal(c.msg, c.sig, "0x14791697260E4c9A71f18484C9f997B308e59325"); !errors.Is(err, ErrEthSignature) {
			t.Errorf("%s: %v, want %v", name, err, ErrEthSignature)
		}
	}
}
