package agentio

import (
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzVerifyRequest feeds arbitrary caller headers and bodies to the check
// the gateway and the enclave run on every signed request: it must never
// panic, and it must accept only a signature that verifies for this worker.
func FuzzVerifyRequest(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.UnixMilli(1_800_000_000_000)
	worker := [32]byte{9}
	r := httptest.NewRequest("POST", "/a?b=1", nil)
	SignRequest(r, "c", [32]byte{1}, worker, []byte("body"), seed, now)
	f.Add(r.Header.Get(HeaderCaller), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), r.Header.Get(HeaderTarget), "POST", "/a?b=1", []byte("body"))
	f.Add("", "", "", "", "GET", "/", []byte{})
	f.Add("zz", "-1", "00", "11", "GET", "/", []byte{0})
	f.Fuzz(func(t *testing.T, caller, ts, signature, target, method, uri string, body []byte) {
		h := http.Header{}
		h.Set(HeaderCaller, caller)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, signature)
		h.Set(HeaderTarget, target)
		s, signed, err := VerifyRequest(h, "c", [32]byte{1}, worker, method, uri, body, now)
		if err == nil && signed {
			if s.Worker != worker || s.Check("c", [32]byte{1}) != nil || s.Request != RequestHash(method, uri, h, body) {
				t.Fatal("accepted a request that does not verify for this worker")
			}
		}
	})
}

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
