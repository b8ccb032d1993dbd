package shielded_test

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
)

// FuzzDecodeMsgs: a shielded message body decodes only when it re-encodes
// to the same bytes, ValidateBasic never panics on what decodes, and
// nothing panics on garbage.
func FuzzDecodeMsgs(f *testing.F) {
	reg := tx.NewRegistry()
	shielded.New().RegisterMsgs(reg)
	ct, proof := make([]byte, note.CiphertextSize), make([]byte, circuit.ProofSize)
	seeds := []tx.Msg{
		&shielded.MsgShield{Amount: pha.Units(5), Commitment: [32]byte{1}, Ciphertext: ct, Proof: proof},
		&shielded.MsgTransfer{Root: [32]byte{2}, Nullifiers: [2][32]byte{{3}, {4}}, Ciphertexts: [2][]byte{ct, ct}, Fee: pha.Units(1), Proof: proof},
		&shielded.MsgUnshield{Root: [32]byte{2}, Nullifiers: [2][32]byte{{0xff}, {4}}, ChangeCiphertext: ct, Amount: pha.Whole(1), Proof: proof},
	}
	for i, m := range seeds {
		f.Add(byte(i), tx.EncodeMsg(m))
	}
	f.Add(byte(0), []byte{})
	types := []string{shielded.TypeShield, shielded.TypeTransfer, shielded.TypeUnshield}
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		m, err := reg.DecodeMsg(types[int(which)%len(types)], body)
		if err != nil {
			return
		}
		_ = m.ValidateBasic()
		if !bytes.Equal(tx.EncodeMsg(m), body) {
			t.Fatalf("re-encoding differs: %x", body)
		}
	})
}
