package keyderive

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPublicKeysJSON(t *testing.T) {
	kp, err := Pairs(testMaster(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := kp.Public()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(j), `{"sign":"`) || strings.ContainsAny(string(j), "+/=") {
		t.Fatalf("not hex JSON: %s", j)
	}
	var q PublicKeys
	if err := json.Unmarshal(j, &q); err != nil {
		t.Fatal(err)
	}
	if !q.Sign.Equal(p.Sign) || string(q.ECDH) != string(p.ECDH) {
		t.Fatalf("round trip: %+v != %+v", q, p)
	}
	if _, err := q.ECDHKey(); err != nil {
		t.Fatal(err)
	}
}

func TestPublicKeysRejects(t *testing.T) {
	for _, in := range []string{
		`{"sign":"00","ecdh":"00"}`,
		`{"sign":"zz","ecdh":""}`,
		`{"sign":"` + strings.Repeat("00", 32) + `","ecdh":"` + strings.Repeat("00", 31) + `"}`,
		`{"sign":"` + strings.Repeat("00", 32) + `","ecdh":"xx"}`,
	} {
		var p PublicKeys
		if err := json.Unmarshal([]byte(in), &p); !errors.Is(err, ErrBadPublicKey) {
			t.Errorf("Unmarshal(%s) error = %v, want ErrBadPublicKey", in, err)
		}
	}
	if err := (PublicKeys{}).Validate(); !errors.Is(err, ErrBadPublicKey) {
		t.Errorf("empty PublicKeys validate: %v", err)
	}
}

// FuzzPublicKeysJSON: published public keys reach clients in chain
// records and RPC answers; no JSON panics UnmarshalJSON, a refusal names
// the public keys, nothing is written on a refusal, and keys that decode
// are valid and survive a round trip through MarshalJSON.
func FuzzPublicKeysJSON(f *testing.F) {
	kp, err := Pairs(testMaster(f), nil)
	if err != nil {
		f.Fatal(err)
	}
	j, err := json.Marshal(kp.Public())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(j), string(j[:len(j)/2]), `{"sign":"00","ecdh":"00"}`, `{}`, `null`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p PublicKeys
		if err := p.UnmarshalJSON(b); err != nil {
			if !strings.HasPrefix(err.Error(), "public keys: ") || p.Sign != nil || p.ECDH != nil {
				t.Fatalf("refusal %v left %+v", err, p)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded invalid keys: %v", err)
		}
		again, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var q PublicKeys
		if err := q.UnmarshalJSON(again); err != nil || !q.Sign.Equal(p.Sign) || string(q.ECDH) != string(p.ECDH) {
			t.Fatalf("keys %s do not round-trip: %v", again, err)
		}
	})
}
