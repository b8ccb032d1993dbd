package module

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// FuzzQueryPath: a query path segment is whatever an RPC caller sends; no
// segment panics ParseHash or ParseAccount, a refusal is the error class
// the query layer answers with (tx.ErrNotFound, tx.ErrInvalidMsg), and a
// segment that parses prints back as itself up to case.
func FuzzQueryPath(f *testing.F) {
	for _, s := range []string{strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("ab", 31), address.Module("fuzz").String(), "", "pha1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if h, err := ParseHash(s, "fuzz"); err != nil {
			if !errors.Is(err, tx.ErrNotFound) || !strings.Contains(err.Error(), "fuzz must be") {
				t.Fatalf("hash refusal is not ErrNotFound naming the record: %v", err)
			}
		} else if hex.EncodeToString(h[:]) != strings.ToLower(s) {
			t.Fatalf("hash %q parsed as %x", s, h)
		}
		if a, err := ParseAccount(s); err != nil {
			if !errors.Is(err, tx.ErrInvalidMsg) {
				t.Fatalf("account refusal is not ErrInvalidMsg: %v", err)
			}
		} else if a.String() != strings.ToLower(s) {
			t.Fatalf("account %q parsed as %s", s, a)
		}
	})
}

// FuzzDecodeGenesis: a module's genesis section is the operator's JSON;
// no section panics DecodeGenesis, an absent or null one leaves the
// defaults, and one that decodes re-encodes to JSON that decodes the same.
func FuzzDecodeGenesis(f *testing.F) {
	for _, s := range []string{`{"n":3}`, `{"n":`, `null`, ``, `{"n":"3"}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		g := testParams{N: 7}
		if err := DecodeGenesis(raw, &g); err != nil {
			return
		}
		if len(raw) == 0 || string(raw) == "null" {
			if g.N != 7 {
				t.Fatalf("absent section changed the defaults to %+v", g)
			}
			return
		}
		again, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var h testParams
		if err := DecodeGenesis(again, &h); err != nil || h != g {
			t.Fatalf("genesis %s re-decodes as %+v (%v)", again, h, err)
		}
	})
}
