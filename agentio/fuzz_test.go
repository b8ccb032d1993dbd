package agentio

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzVerifySigned feeds arbitrary caller headers and bodies to the check
// the gateway and the enclave run on every request: it must never panic,
// and it must accept only a signature that verifies.
func FuzzVerifySigned(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.UnixMilli(1_800_000_000_000)
	sig := ed25519.Sign(seed, CallSignBytes("c", [32]byte{1}, "POST", "/a?b=1", []byte("body"), now.UnixMilli()))
	f.Add(hex.EncodeToString(seed.Public().(ed25519.PublicKey)), strconv.FormatInt(now.UnixMilli(), 10), hex.EncodeToString(sig), "POST", "/a?b=1", []byte("body"))
	f.Add("", "", "", "GET", "/", []byte{})
	f.Add("zz", "-1", "00", "GET", "/", []byte{0})
	f.Fuzz(func(t *testing.T, caller, ts, signature, method, uri string, body []byte) {
		h := http.Header{}
		h.Set(HeaderCaller, caller)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, signature)
		s, signed, err := VerifySigned(h, "c", [32]byte{1}, method, uri, body, now)
		if err == nil && signed {
			pub, _ := hex.DecodeString(caller)
			sig, _ := hex.DecodeString(signature)
			tsv, _ := strconv.ParseInt(ts, 10, 64)
			if !ed25519.Verify(pub, CallSignBytes("c", [32]byte{1}, method, uri, body, tsv), sig) || s.Hash == ([32]byte{}) {
				t.Fatal("accepted a signature that does not verify")
			}
		}
	})
}

// FuzzAnswerFrom reads arbitrary answer headers: no panic, and an answer
// it accepts verifies under the worker key it names.
func FuzzAnswerFrom(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	a := Answer{ChainID: "c", Worker: [32]byte(key.Public().(ed25519.PublicKey)), Time: 1}
	h := http.Header{}
	SetAnswer(h, a, a.Sign(key))
	f.Add(h.Get(HeaderAnswer), h.Get(HeaderAnswerSignature))
	f.Add("AA", "00")
	f.Fuzz(func(t *testing.T, answer, sig string) {
		h := http.Header{}
		h.Set(HeaderAnswer, answer)
		h.Set(HeaderAnswerSignature, sig)
		a, s, err := AnswerFrom(h)
		if err == nil && !ed25519.Verify(a.Worker[:], a.SignBytes(), s) {
			t.Fatal("accepted an answer whose signature does not verify")
		}
	})
}

// FuzzRecoverPersonal: arbitrary EIP-191 signatures never panic, and one
// that recovers verifies against the address it recovers to.
func FuzzRecoverPersonal(f *testing.F) {
	f.Add([]byte("text"), make([]byte, 65))
	f.Fuzz(func(t *testing.T, msg, sig []byte) {
		addr, err := RecoverPersonal(msg, sig)
		if err == nil && VerifyPersonal(msg, sig, EthAddressHex(addr)) != nil {
			t.Fatal("a recovered address does not verify")
		}
	})
}
