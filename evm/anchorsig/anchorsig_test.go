package anchorsig

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/phalanetwork/phala/agentio"
)

func TestDeriveKeyDeterministicAndSeparated(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	a, err := DeriveKey(secret, LabelMasterKey)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DeriveKey(secret, LabelMasterKey)
	c, _ := DeriveKey(secret, LabelAnswerKey)
	if Address(a) != Address(b) || Address(a) == Address(c) {
		t.Fatalf("same label %x/%x, other label %x", Address(a), Address(b), Address(c))
	}
	if _, err := DeriveKey(secret[:31], LabelMasterKey); err == nil {
		t.Fatal("a 31-byte secret gave a key")
	}
}

// TestDigestsBindEveryField: changing any signed field changes the digest,
// and Sign recovers to the signer's address.
func TestDigestsBindEveryField(t *testing.T) {
	one, two := big.NewInt(1), big.NewInt(2)
	p, q := [32]byte{5}, [32]byte{6}
	base := AnswerDigest(one, [20]byte{1}, one, p, []byte("x"), [20]byte{3})
	for name, d := range map[string][32]byte{
		"chain":   AnswerDigest(two, [20]byte{1}, one, p, []byte("x"), [20]byte{3}),
		"anchor":  AnswerDigest(one, [20]byte{2}, one, p, []byte("x"), [20]byte{3}),
		"id":      AnswerDigest(one, [20]byte{1}, two, p, []byte("x"), [20]byte{3}),
		"payload": AnswerDigest(one, [20]byte{1}, one, q, []byte("x"), [20]byte{3}),
		"result":  AnswerDigest(one, [20]byte{1}, one, p, []byte("y"), [20]byte{3}),
		"relayer": AnswerDigest(one, [20]byte{1}, one, p, []byte("x"), [20]byte{4}),
	} {
		if d == base {
			t.Errorf("answer digest ignores the %s", name)
		}
	}
	if AuthorizeDigest(one, [20]byte{1}, [32]byte{1}, [20]byte{1}, 0) == AuthorizeDigest(one, [20]byte{1}, [32]byte{1}, [20]byte{1}, 1) {
		t.Error("authorize digest ignores the generation")
	}
	k, _ := DeriveKey(bytes.Repeat([]byte{9}, 32), LabelAnswerKey)
	sig := Sign(k, base)
	if got, err := agentio.RecoverPersonal(base[:], sig); err != nil || got != Address(k) {
		t.Fatalf("recovered %x (%v), want %x", got, err, Address(k))
	}
}
