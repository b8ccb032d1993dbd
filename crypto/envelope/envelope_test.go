package envelope

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func newKey(t testing.TB) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func seal(t testing.TB, to *ecdh.PrivateKey, pt string) *Envelope {
	t.Helper()
	e, err := Seal(to.PublicKey(), PurposeContractCommand, []byte("alice"), []byte(pt))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	k := newKey(t)
	for _, pt := range []string{"", "x", "hello phala", strings.Repeat("z", 4096)} {
		e := seal(t, k, pt)
		got, err := Open(k, PurposeContractCommand, e)
		if err != nil {
			t.Fatalf("open %d bytes: %v", len(pt), err)
		}
		if string(got) != pt {
			t.Fatalf("round trip of %d bytes returned %d bytes", len(pt), len(got))
		}
		d, err := Decode(e.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Open(k, PurposeContractCommand, d); err != nil || string(got) != pt {
			t.Fatalf("open decoded envelope: %v", err)
		}
	}
	// An empty sender is allowed and bound like any other.
	e, err := Seal(k.PublicKey(), PurposeQuery, nil, []byte("q"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(k, PurposeQuery, e); err != nil {
		t.Fatal(err)
	}
}

// TestTamper flips every header field and the ciphertext; each must fail to
// open, and none may return plaintext.
func TestTamper(t *testing.T) {
	k := newKey(t)
	other := newKey(t)
	cases := map[string]struct {
		mutate func(e *Envelope)
		want   error
	}{
		"version":        {func(e *Envelope) { e.Version = 2 }, ErrMalformed},
		"purpose":        {func(e *Envelope) { e.Purpose = PurposeQuery }, ErrWrongPurpose},
		"sender changed": {func(e *Envelope) { e.Sender[0] ^= 1 }, ErrDecrypt},
		"sender empty":   {func(e *Envelope) { e.Sender = nil }, ErrDecrypt},
		"sender longer":  {func(e *Envelope) { e.Sender = append(e.Sender, 0) }, ErrDecrypt},
		"recipient":      {func(e *Envelope) { copy(e.Recipient[:], other.PublicKey().Bytes()) }, ErrWrongRecipient},
		"ephemeral":      {func(e *Envelope) { e.Ephemeral[5] ^= 1 }, ErrDecrypt},
		"ephemeral key":  {func(e *Envelope) { copy(e.Ephemeral[:], other.PublicKey().Bytes()) }, ErrDecrypt},
		"nonce":          {func(e *Envelope) { e.Nonce[23] ^= 0x80 }, ErrDecrypt},
		"ciphertext":     {func(e *Envelope) { e.Ciphertext[0] ^= 1 }, ErrDecrypt},
		"tag":            {func(e *Envelope) { e.Ciphertext[len(e.Ciphertext)-1] ^= 1 }, ErrDecrypt},
		"truncated":      {func(e *Envelope) { e.Ciphertext = e.Ciphertext[:len(e.Ciphertext)-1] }, ErrDecrypt},
		"extended":       {func(e *Envelope) { e.Ciphertext = append(e.Ciphertext, 0) }, ErrDecrypt},
		"too short":      {func(e *Envelope) { e.Ciphertext = e.Ciphertext[:Overhead-1] }, ErrMalformed},
		"empty purpose":  {func(e *Envelope) { e.Purpose = "" }, ErrMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := seal(t, k, "attack at dawn")
			c.mutate(e)
			pt, err := Open(k, PurposeContractCommand, e)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want %v", err, c.want)
			}
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
		})
	}
}

// TestTamperEncoded flips every bit of the encoding; no variant may open.
func TestTamperEncoded(t *testing.T) {
	k := newKey(t)
	enc := seal(t, k, "attack at dawn").Encode()
	for i := range enc {
		for bit := range 8 {
			b := bytes.Clone(enc)
			b[i] ^= 1 << bit
			e, err := Decode(b)
			if err != nil {
				continue
			}
			if pt, err := Open(k, PurposeContractCommand, e); err == nil || pt != nil {
				t.Fatalf("flipping bit %d of byte %d still opens", bit, i)
			}
		}
	}
}

func TestWrongRecipientKey(t *testing.T) {
	k, other := newKey(t), newKey(t)
	e := seal(t, k, "secret")
	if _, err := Open(other, PurposeContractCommand, e); !errors.Is(err, ErrWrongRecipient) {
		t.Fatalf("error = %v, want ErrWrongRecipient", err)
	}
	// Readdressing the envelope to the other key does not help.
	copy(e.Recipient[:], other.PublicKey().Bytes())
	if _, err := Open(other, PurposeContractCommand, e); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("readdressed: error = %v, want ErrDecrypt", err)
	}
}

func TestWrongPurpose(t *testing.T) {
	k := newKey(t)
	e := seal(t, k, "secret")
	if _, err := Open(k, PurposeAgentSecret, e); !errors.Is(err, ErrWrongPurpose) {
		t.Fatalf("error = %v, want ErrWrongPurpose", err)
	}
}

func TestSealsDiffer(t *testing.T) {
	k := newKey(t)
	a, b := seal(t, k, "same"), seal(t, k, "same")
	if a.Ephemeral == b.Ephemeral || a.Nonce == b.Nonce || bytes.Equal(a.Ciphertext, b.Ciphertext) {
		t.Fatal("two seals share an ephemeral key, nonce or ciphertext")
	}
}

// Low-order points of Curve25519 (and their non-canonical twins): every one
// gives an all-zero shared secret.
var lowOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func TestLowOrderRecipient(t *testing.T) {
	for _, h := range lowOrder {
		b, _ := hex.DecodeString(h)
		pub, err := ecdh.X25519().NewPublicKey(b)
		if err != nil {
			t.Fatal(err)
		}
		if e, err := Seal(pub, PurposeQuery, nil, []byte("x")); !errors.Is(err, ErrLowOrder) || e != nil {
			t.Errorf("Seal to %s: error = %v, want ErrLowOrder", h[:8], err)
		}
	}
}

func TestLowOrderEphemeral(t *testing.T) {
	k := newKey(t)
	for _, h := range lowOrder {
		e := seal(t, k, "x")
		b, _ := hex.DecodeString(h)
		copy(e.Ephemeral[:], b)
		pt, err := Open(k, PurposeContractCommand, e)
		if !errors.Is(err, ErrLowOrder) || !errors.Is(err, ErrDecrypt) || pt != nil {
			t.Errorf("ephemeral %s: error = %v, want ErrLowOrder and ErrDecrypt", h[:8], err)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	k := newKey(t)
	p256, err := ecdh.P256().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.PublicKey()
	bad := map[string]func() error{
		"nil recipient":   func() error { _, err := Seal(nil, PurposeQuery, nil, nil); return err },
		"p256 recipient":  func() error { _, err := Seal(p256.PublicKey(), PurposeQuery, nil, nil); return err },
		"empty purpose":   func() error { _, err := Seal(pub, "", nil, nil); return err },
		"long purpose":    func() error { _, err := Seal(pub, strings.Repeat("p", MaxPurpose+1), nil, nil); return err },
		"non-utf8":        func() error { _, err := Seal(pub, "\xff", nil, nil); return err },
		"long sender":     func() error { _, err := Seal(pub, PurposeQuery, make([]byte, MaxSender+1), nil); return err },
		"long plaintext":  func() error { _, err := Seal(pub, PurposeQuery, nil, make([]byte, MaxPlaintext+1)); return err },
		"nil private key": func() error { _, err := Open(nil, PurposeQuery, &Envelope{}); return err },
		"p256 private":    func() error { _, err := Open(p256, PurposeQuery, &Envelope{}); return err },
	}
	for name, f := range bad {
		if err := f(); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error = %v, want ErrInvalidInput", name, err)
		}
	}
	if _, err := Open(k, PurposeQuery, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("nil envelope: error = %v, want ErrMalformed", err)
	}
	// The limits themselves are accepted and round-trip through the codec.
	e, err := Seal(pub, strings.Repeat("p", MaxPurpose), make([]byte, MaxSender), make([]byte, MaxPlaintext))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(e.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(k, strings.Repeat("p", MaxPurpose), d); err != nil {
		t.Fatal(err)
	}
}

func TestSealCopiesSender(t *testing.T) {
	k := newKey(t)
	sender := []byte("alice")
	e, err := Seal(k.PublicKey(), PurposeQuery, sender, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	sender[0] = 'A'
	if _, err := Open(k, PurposeQuery, e); err != nil {
		t.Fatalf("changing the caller's sender slice broke the envelope: %v", err)
	}
}

func TestShortRandom(t *testing.T) {
	k := newKey(t)
	for _, n := range []int{0, 31, 32, 55} {
		if _, err := sealWith(bytes.NewReader(make([]byte, n)), k.PublicKey(), PurposeQuery, nil, nil); err == nil {
			t.Errorf("sealWith accepted %d random bytes", n)
		}
	}
}

// TestDisclosedKey: the recipient's disclosed key opens that envelope and
// shows its plaintext; another envelope's key, the wrong purpose or a
// tampered ciphertext do not open it.
func TestDisclosedKey(t *testing.T) {
	to := newKey(t)
	e, other := seal(t, to, "contribution"), seal(t, to, "contribution")
	key, err := DiscloseKey(to, e)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := OpenWithKey(key, PurposeContractCommand, e); err != nil || string(pt) != "contribution" {
		t.Fatalf("disclosed key: %q, %v", pt, err)
	}
	if _, err := OpenWithKey(key, PurposeContractCommand, other); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("another envelope's key: %v", err)
	}
	if _, err := OpenWithKey(key, "other", e); !errors.Is(err, ErrWrongPurpose) {
		t.Fatalf("wrong purpose: %v", err)
	}
	e.Ciphertext[0] ^= 1
	if _, err := OpenWithKey(key, PurposeContractCommand, e); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("tampered: %v", err)
	}
}
