package keys_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/phalanetwork/phala/modules/keys"
)

// FuzzDecodeRecords: the round counter, a precommitment and the
// gatekeeper order reach enclaves with proofs of the chain's state; no
// bytes panic their decoders, and what they read is exactly the layout
// the chain writes (8-byte round; round then 32-byte commitment; whole
// 32-byte ids, a ragged tail dropped).
func FuzzDecodeRecords(f *testing.F) {
	f.Add(binary.BigEndian.AppendUint64(nil, 3))
	f.Add(binary.BigEndian.AppendUint64(nil, 3)[:7])
	f.Add(append(binary.BigEndian.AppendUint64(nil, 4), bytes.Repeat([]byte{5}, 32)...))
	f.Add(bytes.Repeat([]byte{6}, 70))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r := keys.DecodeRound(b); len(b) == 8 && !bytes.Equal(binary.BigEndian.AppendUint64(nil, r), b) || len(b) != 8 && r != 0 {
			t.Fatalf("round %d from %x", r, b)
		}
		round, commitment, ok := keys.DecodePrecommit(b)
		if ok != (len(b) == 40) || ok && !bytes.Equal(append(binary.BigEndian.AppendUint64(nil, round), commitment...), b) {
			t.Fatalf("precommit %d %x %v from %x", round, commitment, ok, b)
		}
		var again []byte
		for _, id := range keys.DecodeOrder(b) {
			again = append(again, id[:]...)
		}
		if len(again) != len(b)/32*32 || !bytes.Equal(again, b[:len(again)]) {
			t.Fatalf("order %x from %x", again, b)
		}
	})
}
