package balances

import (
	"bytes"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/pha"
)

// FuzzDecodeAccount: an account record reaches light clients with a proof
// of the chain's state; no bytes panic the decoder, a refusal names the
// record, and what decodes re-encodes to the same bytes (fixed layout).
func FuzzDecodeAccount(f *testing.F) {
	raw := Account{Nonce: 7, Balance: pha.Whole(3)}.encode()
	f.Add(raw)
	f.Add(raw[:len(raw)-1])
	f.Add(append(bytes.Clone(raw), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAccount(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "account record: ") {
				t.Fatalf("refusal does not name the account record: %v", err)
			}
			return
		}
		if again := a.encode(); !bytes.Equal(again, b) {
			t.Fatalf("account %x re-encodes as %x", b, again)
		}
	})
}
