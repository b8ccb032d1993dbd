package contractio

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
)

const chainID = "test-chain"

func TestOutputSealing(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	contract := [32]byte{1}
	out := Output{Value: json.RawMessage(`{"balance":5}`), Events: []json.RawMessage{json.RawMessage(`"e"`)}}
	a, err := SealOutput(key, contract, 3, out)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SealOutput(key, contract, 3, out)
	if !bytes.Equal(a, b) {
		t.Fatal("sealing is not deterministic: replicas would post different results")
	}
	if bytes.Contains(a, []byte("balance")) {
		t.Fatal("sealed output shows its plaintext")
	}
	got, err := OpenOutput(key, contract, 3, a)
	if err != nil || string(got.Value) != `{"balance":5}` || len(got.Events) != 1 {
		t.Fatalf("open: %+v %v", got, err)
	}
	for name, f := range map[string]func() error{
		"other key":      func() error { _, err := OpenOutput(bytes.Repeat([]byte{8}, 32), contract, 3, a); return err },
		"other input":    func() error { _, err := OpenOutput(key, contract, 4, a); return err },
		"other contract": func() error { _, err := OpenOutput(key, [32]byte{2}, 3, a); return err },
		"tampered": func() error {
			c := append([]byte(nil), a...)
			c[0] ^= 1
			_, err := OpenOutput(key, contract, 3, c)
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}

func TestDecodeCommand(t *testing.T) {
	good, _ := json.Marshal(Command{Payload: json.RawMessage(`1`), ReplyKey: make([]byte, 32)})
	if _, err := DecodeCommand(good); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"not json":        []byte("{"),
		"short reply key": []byte(`{"payload":1,"reply_key":"AAAA"}`),
		"no reply key":    []byte(`{"payload":1}`),
	} {
		if _, err := DecodeCommand(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// worker is the worker side of a query: it opens the envelope and checks
// the caller the way the enclave does.
func workerSide(t *testing.T, wk *ecdh.PrivateKey, id [32]byte, body []byte, now time.Time) (Query, address.Address, error) {
	t.Helper()
	env, err := envelope.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := envelope.Open(wk, envelope.PurposeQuery, env)
	if err != nil {
		t.Fatal(err)
	}
	var q Query
	if err := json.Unmarshal(plain, &q); err != nil {
		t.Fatal(err)
	}
	caller, err := q.Caller(chainID, id, now, now)
	return q, caller, err
}

func TestQuerySignaturesAndCerts(t *testing.T) {
	wk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	wid := [32]byte{9}
	pub, account, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	contract := [32]byte{4}

	pq, err := NewQuery(chainID, wid, wk.PublicKey().Bytes(), account, nil, contract, json.RawMessage(`{"q":1}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pq.Body, []byte(`"q"`)) {
		t.Fatal("the query payload is visible on the wire")
	}
	q, caller, err := workerSide(t, wk, wid, pq.Body, now)
	if err != nil || caller != address.FromPubKey(pub) {
		t.Fatalf("caller %s, %v", caller, err)
	}
	// The same query for another worker, later, or altered fails.
	if _, err := q.Caller(chainID, [32]byte{8}, now, now); !errors.Is(err, ErrQuerySignature) {
		t.Errorf("other worker: %v", err)
	}
	if _, err := q.Caller(chainID, wid, now.Add(QuerySkew+time.Second), now); !errors.Is(err, ErrQueryStale) {
		t.Errorf("stale: %v", err)
	}
	q2 := q
	q2.Payload = json.RawMessage(`{"q":2}`)
	if _, err := q2.Caller(chainID, wid, now, now); !errors.Is(err, ErrQuerySignature) {
		t.Errorf("altered payload: %v", err)
	}

	// A session key certified by the account speaks for the account, until
	// the certificate expires; a certificate for another key does not help.
	spub, session, _ := ed25519.GenerateKey(rand.Reader)
	cert := NewSessionCert(chainID, account, spub, now.Add(time.Hour))
	pq, _ = NewQuery(chainID, wid, wk.PublicKey().Bytes(), session, cert, contract, nil, now)
	q, caller, err = workerSide(t, wk, wid, pq.Body, now)
	if err != nil || caller != address.FromPubKey(pub) {
		t.Fatalf("session caller %s, %v", caller, err)
	}
	if _, err := q.Caller(chainID, wid, now.Add(2*time.Hour), now); !errors.Is(err, ErrCertExpired) && !errors.Is(err, ErrQueryStale) {
		t.Errorf("expired cert: %v", err)
	}
	// A host that sets its clock back (here to the query's time) does not
	// revive a certificate the chain's time has seen expire.
	if _, err := q.Caller(chainID, wid, now, now.Add(2*time.Hour)); !errors.Is(err, ErrCertExpired) {
		t.Errorf("certificate expired by the chain's time, host clock set back: %v", err)
	}
	late := NewSessionCert(chainID, account, spub, now.Add(-time.Minute))
	pq, _ = NewQuery(chainID, wid, wk.PublicKey().Bytes(), session, late, contract, nil, now)
	if _, _, err := workerSide(t, wk, wid, pq.Body, now); !errors.Is(err, ErrCertExpired) {
		t.Errorf("expired cert: %v", err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	pq, _ = NewQuery(chainID, wid, wk.PublicKey().Bytes(), stranger, cert, contract, nil, now)
	if _, _, err := workerSide(t, wk, wid, pq.Body, now); !errors.Is(err, ErrCertSignature) {
		t.Errorf("cert for another key: %v", err)
	}
}

func TestQueryResponse(t *testing.T) {
	wk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	wpub, wpriv, _ := ed25519.GenerateKey(rand.Reader)
	wid := [32]byte(wpub)
	_, account, _ := ed25519.GenerateKey(rand.Reader)
	pq, _ := NewQuery(chainID, wid, wk.PublicKey().Bytes(), account, nil, [32]byte{4}, nil, time.Now())
	q, _, _ := workerSide(t, wk, wid, pq.Body, time.Now())
	reply, _ := ecdh.X25519().NewPublicKey(q.ReplyKey)
	plain, _ := json.Marshal(QueryResult{OK: true, Value: json.RawMessage(`42`), Input: 3})
	env, _ := envelope.Seal(reply, envelope.PurposeQueryResponse, wpub, plain)
	resp := QueryResponse{Worker: wpub, Sealed: env.Encode()}
	resp.Signature = ed25519.Sign(wpriv, ResponseSignBytes(chainID, pq.Body, resp.Sealed))
	got, err := pq.Open(resp)
	if err != nil || string(got.Value) != "42" || got.Input != 3 {
		t.Fatalf("open response: %+v %v", got, err)
	}
	forged := resp
	forged.Sealed = append([]byte(nil), resp.Sealed...)
	forged.Sealed[len(forged.Sealed)-1] ^= 1
	if _, err := pq.Open(forged); !errors.Is(err, ErrResponse) {
		t.Errorf("forged answer: %v", err)
	}
	other := resp
	other.Worker = make([]byte, 32)
	if _, err := pq.Open(other); !errors.Is(err, ErrResponse) {
		t.Errorf("answer from another worker: %v", err)
	}
}

// FuzzDecodeCommand and FuzzQueryCaller feed arbitrary plaintexts to what
// an enclave parses after opening a command or a query: no panic, and
// nothing accepted that breaks the stated rules.
func FuzzDecodeCommand(f *testing.F) {
	good, _ := json.Marshal(Command{Payload: json.RawMessage(`{"a":1}`), ReplyKey: make([]byte, 32)})
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCommand(b)
		if err == nil && len(c.ReplyKey) != 32 {
			t.Fatal("accepted a command without a 32-byte reply key")
		}
	})
}

func FuzzQueryCaller(f *testing.F) {
	f.Add([]byte(`{"contract":"AA==","payload":null,"reply_key":"","issued_ms":0,"signer":"","signature":""}`))
	f.Add([]byte(`{"cert":{"account":"","session":"","expires_ms":1,"signature":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var q Query
		if json.Unmarshal(b, &q) != nil {
			return
		}
		if _, err := q.Caller(chainID, [32]byte{9}, time.UnixMilli(q.IssuedMillis), time.UnixMilli(q.IssuedMillis)); err == nil {
			t.Fatal("a query that no key signed was accepted")
		}
	})
}
