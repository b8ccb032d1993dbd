package shielded_test

import (
	"bytes"
	"errors"
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

// FuzzDecodeCeremonyMsgs: the setup ceremony's mq payloads (contribution,
// vote, key), which the chain decodes from contributors' enclaves, never
// panic, decode only when they re-encode to the same bytes (the wire form
// is canonical), and every refusal is ErrMalformed naming the message.
func FuzzDecodeCeremonyMsgs(f *testing.F) {
	seeds := [][]byte{
		shielded.ContributionMsg{Phase: 1, Circuit: "transfer", Slot: 3, Prev: shielded.Hash{1}, Hash: shielded.Hash{2}}.Encode(),
		shielded.VoteMsg{Phase: 2, Circuit: "shield", Slot: 1 << 31, Hash: shielded.Hash{3}, Reason: "pairing check failed"}.Encode(),
		shielded.VoteMsg{Circuit: "unshield", OK: true}.Encode(),
		shielded.KeyMsg{Circuit: "transfer", VK: bytes.Repeat([]byte{7}, 300)}.Encode(),
	}
	for i, s := range seeds {
		for _, n := range []int{len(s), len(s) - 1, len(s) / 2, 0} {
			f.Add(byte(i), s[:n])
		}
	}
	f.Fuzz(func(t *testing.T, which byte, b []byte) {
		var again []byte
		var err error
		switch which % 3 {
		case 0:
			var m shielded.ContributionMsg
			if m, err = shielded.DecodeContributionMsg(b); err == nil {
				again = m.Encode()
			}
		case 1:
			var m shielded.VoteMsg
			if m, err = shielded.DecodeVoteMsg(b); err == nil {
				again = m.Encode()
			}
		default:
			var m shielded.KeyMsg
			if m, err = shielded.DecodeKeyMsg(b); err == nil {
				again = m.Encode()
			}
		}
		if err != nil {
			if !errors.Is(err, shielded.ErrMalformed) {
				t.Fatalf("refusal is not ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, b)
		}
	})
}
