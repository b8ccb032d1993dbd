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

// FuzzProofFrom reads arbitrary proof headers: no panic, and a proof it
// returns has the sizes it promises.
func FuzzProofFrom(f *testing.F) {
	f.Add("00", "11", "22")
	f.Add(hex.EncodeToString(make([]byte, 32)), hex.EncodeToString(make([]byte, 32)), hex.EncodeToString(make([]byte, 64)))
	f.Fuzz(func(t *testing.T, w, rq, sig string) {
		h := http.Header{}
		h.Set(HeaderWorker, w)
		h.Set(HeaderRequestHash, rq)
		h.Set(HeaderResponseSignature, sig)
		p, err := ProofFrom(h)
		if err == nil && len(p.Signature) != ed25519.SignatureSize {
			t.Fatal("a proof with a short signature")
		}
		if err == nil {
			p.Verify("c", 200, nil) // must not panic
		}
	})
}
