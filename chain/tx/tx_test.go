package tx_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

func key(b byte) ed25519.PrivateKey {
	seed := bytes.Repeat([]byte{b}, ed25519.SeedSize)
	return ed25519.NewKeyFromSeed(seed)
}

func sample() *tx.Tx {
	to := address.FromPubKey(key(2).Public().(ed25519.PublicKey))
	t := &tx.Tx{ChainID: "c", Nonce: 300, Fee: pha.Units(1_000_000), Memo: "hi", Msgs: []tx.Msg{
		&balances.MsgTransfer{To: to, Amount: pha.Whole(3)},
		&balances.MsgTransfer{To: to, Amount: pha.Units(1)},
	}}
	t.Sign(key(1))
	return t
}

func TestRoundTripAndVerify(t *testing.T) {
	reg := app.NewRegistry()
	orig := sample()
	raw := orig.Encode()
	got, err := tx.Decode(reg, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), raw) {
		t.Fatal("re-encoding differs")
	}
	if got.Sender() != orig.Sender() || got.Nonce != 300 || got.Memo != "hi" || len(got.Msgs) != 2 {
		t.Fatalf("decoded %+v", got)
	}
}

// TestSignatureCoversEveryField flips each byte of the signed body and
// expects verification (or decoding) to fail.
func TestSignatureCoversEveryField(t *testing.T) {
	reg := app.NewRegistry()
	raw := sample().Encode()
	bodyLen := len(raw) - ed25519.SignatureSize
	for i := 0; i < bodyLen; i++ {
		mut := append([]byte(nil), raw...)
		mut[i] ^= 0x01
		got, err := tx.Decode(reg, mut)
		if err != nil {
			continue
		}
		if got.Verify() == nil {
			t.Fatalf("flipping byte %d still verifies", i)
		}
	}
}

func TestSignDomainSeparated(t *testing.T) {
	s := sample()
	if !bytes.HasPrefix(s.SignBytes(), []byte(tx.SignDomain)) {
		t.Fatal("sign bytes lack the domain prefix")
	}
	// A signature over the body without the domain must not verify.
	body := s.SignBytes()[len(tx.SignDomain):]
	s.Signature = ed25519.Sign(key(1), body)
	if err := s.Verify(); !errors.Is(err, tx.ErrBadSignature) {
		t.Fatalf("undomained signature: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	reg := app.NewRegistry()
	raw := sample().Encode()
	padded := func() []byte {
		// Re-encode the nonce (300) as a padded three-byte varint.
		w := wire.NewWriter(0)
		w.Byte(tx.Version)
		w.String("c")
		return w.Bytes()
	}()
	_ = padded
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, tx.ErrMalformed},
		{"bad version", append([]byte{9}, raw[1:]...), tx.ErrMalformed},
		{"truncated", raw[:len(raw)-1], tx.ErrMalformed},
		{"trailing", append(append([]byte(nil), raw...), 0), tx.ErrMalformed},
		{"too large", make([]byte, tx.MaxDecodeSize+1), tx.ErrTooLarge},
		{"unknown msg", bytes.Replace(raw, []byte(balances.TypeTransfer), []byte("balances/transfeX"), 1), tx.ErrUnknownMsg},
		{"no msgs", func() []byte {
			s := sample()
			s.Msgs = nil
			return s.Encode()
		}(), tx.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tx.Decode(reg, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNonMinimalVarintRejected(t *testing.T) {
	r := wire.NewReader([]byte{0x80, 0x00})
	r.Uvarint()
	if !errors.Is(r.Err(), wire.ErrMalformed) {
		t.Fatalf("padded varint accepted: %v", r.Err())
	}
	r = wire.NewReader([]byte{0x02, 0xff, 0xfe})
	r.String(10)
	if !errors.Is(r.Err(), wire.ErrMalformed) {
		t.Fatalf("invalid UTF-8 accepted: %v", r.Err())
	}
	r = wire.NewReader([]byte{0x05, 1})
	r.VarBytes(3)
	if !errors.Is(r.Err(), wire.ErrMalformed) {
		t.Fatalf("over-limit length accepted: %v", r.Err())
	}
}
