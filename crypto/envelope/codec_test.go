package envelope

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/phalanetwork/phala/chain/wire"
)

func TestCodecRoundTrip(t *testing.T) {
	k := newKey(t)
	e := seal(t, k, "payload")
	enc := e.Encode()
	d, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, e) {
		t.Fatalf("decode(encode) = %+v, want %+v", d, e)
	}
	if !bytes.Equal(d.Encode(), enc) {
		t.Fatal("encoding is not canonical")
	}
	enc[len(enc)-1] ^= 1 // the decoded envelope does not alias its input
	if d.Ciphertext[len(d.Ciphertext)-1] == enc[len(enc)-1] {
		t.Fatal("Decode aliases its input")
	}
	if (*Envelope)(nil).Encode() != nil {
		t.Fatal("nil envelope encodes to bytes")
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := hex.DecodeString(katEncoding)
	cases := map[string][]byte{
		"empty":             nil,
		"version 0":         append([]byte{0}, good[1:]...),
		"version 2":         append([]byte{2}, good[1:]...),
		"trailing byte":     append(bytes.Clone(good), 0),
		"truncated":         good[:len(good)-1],
		"header only":       good[:len(good)-1-27],
		"non-minimal":       append(append([]byte{1, 0x90, 0x00}, good[2:2+16]...), good[2+16:]...),
		"empty purpose":     append([]byte{1, 0}, good[2+16:]...),
		"non-utf8 purpose":  reencoded(t, good, func(e *Envelope) { e.Purpose = "\xff\xfe" }),
		"oversize purpose":  reencoded(t, good, func(e *Envelope) { e.Purpose = string(bytes.Repeat([]byte{'p'}, MaxPurpose+1)) }),
		"short ciphertext":  append(bytes.Clone(good[:len(good)-28]), append([]byte{15}, make([]byte, 15)...)...),
		"huge length":       append(bytes.Clone(good[:len(good)-28]), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"oversize sender":   reencoded(t, good, func(e *Envelope) { e.Sender = make([]byte, MaxSender+1) }),
		"purpose len > buf": {1, 0xff, 0xff, 0x03},
	}
	for name, b := range cases {
		e, err := Decode(b)
		if !errors.Is(err, ErrMalformed) || !errors.Is(err, wire.ErrMalformed) || e != nil {
			t.Errorf("%s: Decode = %v, %v; want ErrMalformed", name, e, err)
		}
	}
	// The oversize ciphertext limit is enforced.
	w := wire.NewWriter(0)
	e, _ := Decode(good)
	appendHeader(w, &e.Header)
	w.VarBytes(make([]byte, MaxCiphertext+1))
	if _, err := Decode(w.Bytes()); !errors.Is(err, ErrMalformed) {
		t.Errorf("oversize ciphertext: %v", err)
	}
}

// reencoded re-encodes the KAT envelope with edit applied (another
// purpose, another sender).
func reencoded(t *testing.T, good []byte, edit func(*Envelope)) []byte {
	t.Helper()
	e, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	edit(e)
	return e.Encode()
}
