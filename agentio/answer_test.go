package agentio

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAnswerBindsTheExchange(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	hdr := http.Header{"Content-Type": {"application/json"}}
	body := []byte(`{"ok":true}`)
	a := Answer{ChainID: "c", Worker: [32]byte(key.Public().(ed25519.PublicKey)), Agent: [32]byte{7}, Request: [32]byte{1}, Response: ResponseHash(200, hdr, body), Time: 5}
	h := http.Header{}
	SetAnswer(h, a, a.Sign(key))
	got, _, err := AnswerFrom(h)
	if err != nil || got != a {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	ok := Expect{ChainID: "c", Agent: [32]byte{7}, Request: [32]byte{1}, Status: 200, Header: hdr, Body: body}
	if err := got.Check(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(e *Expect)
		want error
	}{
		{"other chain", func(e *Expect) { e.ChainID = "d" }, ErrAnswerChain},
		{"other agent", func(e *Expect) { e.Agent = [32]byte{8} }, ErrAnswerAgent},
		{"other request", func(e *Expect) { e.Request = [32]byte{2} }, ErrAnswerRequest},
		{"edited content type", func(e *Expect) { e.Header = http.Header{"Content-Type": {"text/html"}} }, ErrAnswerResponse},
		{"truncated body", func(e *Expect) { e.Body = body[:5] }, ErrAnswerResponse},
		{"other status", func(e *Expect) { e.Status = 500 }, ErrAnswerResponse},
	} {
		e := ok
		tc.edit(&e)
		if err := got.Check(e); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A transport header is not content: a proxy may change it.
	if err := got.Check(Expect{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Connection": {"close"}}, Body: body}); err != nil {
		t.Fatal(err)
	}
	h.Set(HeaderAnswer, strings.Replace(h.Get(HeaderAnswer), "A", "B", 1))
	if _, _, err := AnswerFrom(h); err == nil {
		t.Fatal("an edited answer verified")
	}
}

func TestSignedRequestIsForOneWorker(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.UnixMilli(1_800_000_000_000)
	r := httptest.NewRequest("POST", "/agents/x/hi?q=1", strings.NewReader("body"))
	r.Header.Set("Content-Type", "text/plain")
	SignRequest(r, "c", [32]byte{1}, [32]byte{9}, []byte("body"), key, now)
	s, signed, err := VerifyRequest(r.Header, "c", [32]byte{1}, [32]byte{9}, "POST", "/agents/x/hi?q=1", []byte("body"), now)
	if err != nil || !signed || s.Address() == ([20]byte{}) {
		t.Fatalf("verify: %v %v", signed, err)
	}
	if err := s.Check("c", [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyRequest(r.Header, "c", [32]byte{1}, [32]byte{10}, "POST", "/agents/x/hi?q=1", []byte("body"), now); !errors.Is(err, ErrWrongWorker) {
		t.Fatalf("another worker: %v", err)
	}
	if _, _, err := VerifyRequest(r.Header, "c", [32]byte{1}, [32]byte{9}, "POST", "/agents/x/hi?q=1", []byte("bodY"), now); !errors.Is(err, ErrSignature) {
		t.Fatalf("edited body: %v", err)
	}
	r.Header.Set("Content-Type", "text/html")
	if _, _, err := VerifyRequest(r.Header, "c", [32]byte{1}, [32]byte{9}, "POST", "/agents/x/hi?q=1", []byte("body"), now); !errors.Is(err, ErrSignature) {
		t.Fatalf("edited content type: %v", err)
	}
}

// FuzzDecodeAnswer: no panic, and what decodes re-encodes to itself.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(Answer{ChainID: "c", Provider: "p", Model: "m", Time: 1}.Encode())
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAnswer(b)
		if err == nil && string(a.Encode()) != string(b) {
			t.Fatal("decode is not canonical")
		}
	})
}

// TestSameRequestFromTwoCallers: two callers who send the same request to
// the same worker in the same millisecond make two calls, each served and
// billed once; their ids (the worker's replay check, the receipt's id)
// must differ, or the second caller is refused as a replay of the first
// and its receipt as a duplicate.
func TestSameRequestFromTwoCallers(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	ids := map[[32]byte]bool{}
	for seed := range byte(2) {
		key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32))
		r := httptest.NewRequest("POST", "/agents/x/hi", strings.NewReader("body"))
		SignRequest(r, "c", [32]byte{1}, [32]byte{9}, []byte("body"), key, now)
		s, _, err := VerifyRequest(r.Header, "c", [32]byte{1}, [32]byte{9}, "POST", "/agents/x/hi", []byte("body"), now)
		if err != nil {
			t.Fatal(err)
		}
		ids[s.ID("c", [32]byte{1})] = true
	}
	if len(ids) != 2 {
		t.Fatal("two callers' identical requests in one millisecond have one id: the second is refused as a replay")
	}
}
