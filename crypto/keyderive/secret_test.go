package keyderive

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// leaks returns the first forbidden encoding of key found in s.
func leaks(s string, key []byte) (string, bool) {
	for _, enc := range []string{
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		string(key),
		fmt.Sprint([]byte(key)), // [1 2 3 ...]
	} {
		if strings.Contains(s, enc) {
			return enc, true
		}
	}
	return "", false
}

// renderings returns every way a value is commonly turned into text.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
		out["&"+verb] = fmt.Sprintf(verb, &v)
	}
	out["Sprint"] = fmt.Sprint(v)
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out["json"] = string(j)
	j, err = json.Marshal(map[string]any{"k": v, "s": []any{v}})
	if err != nil {
		t.Fatal(err)
	}
	out["json-nested"] = string(j)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "k", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", v)
	out["slog"] = buf.String()
	// A struct holding a Secret in an unexported field is printed by
	// reflection, bypassing the Secret's methods. (A KeyPair's exported
	// fields cannot be protected that way; its doc comment says so.)
	if s, ok := v.(Secret); ok {
		type holder struct {
			hidden any
			inner  struct{ s Secret }
		}
		h := holder{hidden: s}
		h.inner.s = s
		out["holder%+v"] = fmt.Sprintf("%+v", h)
		out["holder%#v"] = fmt.Sprintf("%#v", h)
	}
	return out
}

func TestSecretRedacted(t *testing.T) {
	key := bytes.Repeat([]byte{0xab, 0x01, 0x7f, 0x42}, 8)
	s, err := NewSecret(key)
	if err != nil {
		t.Fatal(err)
	}
	for how, text := range renderings(t, s) {
		if enc, bad := leaks(text, key); bad {
			t.Errorf("%s of Secret leaks %q: %s", how, enc, text)
		}
	}
	if s.String() != "[secret]" || s.GoString() != "[secret]" {
		t.Errorf("String/GoString = %q/%q", s.String(), s.GoString())
	}
	if txt, _ := s.MarshalText(); string(txt) != "[secret]" {
		t.Errorf("MarshalText = %q", txt)
	}
	if j, _ := json.Marshal(s); string(j) != `"[secret]"` {
		t.Errorf("json = %s", j)
	}
}

func TestKeyPairRedacted(t *testing.T) {
	s := DeriveContractKey(DeriveClusterKey(testMaster(t), []byte("cluster-1"), 0, nil), []byte("contract-a"), nil)
	kp, err := Pairs(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	private := [][]byte{s.Bytes(), kp.Sign.Seed(), kp.Sign, kp.ECDH.Bytes()}
	for how, text := range renderings(t, kp) {
		for _, key := range private {
			if enc, bad := leaks(text, key); bad {
				t.Errorf("%s of KeyPair leaks %q: %s", how, enc, text)
			}
		}
	}
	// The public halves are meant to be visible.
	if !strings.Contains(kp.String(), hex.EncodeToString(kp.Public().ECDH)) {
		t.Errorf("String lacks the public key: %s", kp.String())
	}
	var zero KeyPair
	_ = zero.String() // must not panic
	if p := zero.Public(); p.Sign != nil || p.ECDH != nil {
		t.Errorf("zero KeyPair has public keys %+v", p)
	}
}

func TestNewSecret(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSecret(make([]byte, n)); !errors.Is(err, ErrSecretSize) {
			t.Errorf("NewSecret(%d bytes) error = %v, want ErrSecretSize", n, err)
		}
	}
	in := bytes.Repeat([]byte{7}, 32)
	s, err := NewSecret(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = 0 // the Secret holds a copy
	out := s.Bytes()
	if out[0] != 7 {
		t.Fatal("NewSecret aliases its input")
	}
	out[1] = 0 // Bytes returns a copy
	if s.Bytes()[1] != 7 {
		t.Fatal("Bytes aliases the secret")
	}
}

func TestRandomSecretAndWipe(t *testing.T) {
	a, err := RandomSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a.IsZero() || a.Equal(b) {
		t.Fatal("random secrets are unset or equal")
	}
	c := a // copies share storage
	a.Wipe()
	if !a.IsZero() || !c.IsZero() || a.Bytes() != nil || c.Bytes() != nil {
		t.Fatal("Wipe left key material behind")
	}
	var zero Secret
	zero.Wipe() // must not panic
	if !zero.IsZero() || !zero.Equal(Secret{}) || zero.Equal(b) {
		t.Fatal("unset secrets compare wrongly")
	}
}
