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
