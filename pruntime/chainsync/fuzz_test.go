package chainsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeCheckpoint: a checkpoint's header comes from the host (the
// sealed store it hands back) and from gatekeepers' answers to a joining
// worker; no bytes panic the decoder or the header's ValidateBasic that
// follows it, a refusal is ErrBadCheckpoint, and a header that decodes
// re-encodes to bytes that decode to the same header (protobuf is not
// canonical: field order and unknown fields may differ, so the bytes
// themselves are not compared).
func FuzzDecodeCheckpoint(f *testing.F) {
	c := newSynthChain(f, "synth", 1, 3, changingSets)
	for h := int64(1); h <= 3; h++ {
		raw, err := EncodeCheckpoint(c.blocks[h].SignedHeader)
		if err != nil {
			f.Fatal(err)
		}
		for _, n := range []int{len(raw), len(raw) - 1, len(raw) / 2, 0} {
			f.Add(raw[:n])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := DecodeCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("refusal is not ErrBadCheckpoint: %v", err)
			}
			return
		}
		_ = sh.ValidateBasic("synth")
		again, err := EncodeCheckpoint(sh)
		if err != nil {
			t.Fatalf("decoded header does not encode: %v", err)
		}
		sh2, err := DecodeCheckpoint(again)
		if err != nil {
			t.Fatalf("re-encoded header does not decode: %v", err)
		}
		if third, _ := EncodeCheckpoint(sh2); !bytes.Equal(third, again) {
			t.Fatalf("re-encoding is not stable:\n%x\n%x", again, third)
		}
	})
}

// FuzzQueryAnswer: an abci_query answer is JSON from whatever node the
// host points the enclave at; no answer panics its decoder, and one that
// decodes re-encodes to JSON that decodes the same (the proof in it is
// checked against a verified header afterwards, not here).
func FuzzQueryAnswer(f *testing.F) {
	for _, s := range []string{
		`{"response":{"code":0,"log":"","value":"AQI=","proofOps":{"ops":[{"type":"ics23:iavl","key":"a2V5","data":"AAE="}]},"height":"12","codespace":""}}`,
		`{"response":{"height":12}}`, `{"response":{"value":"!"}}`, `{"response":null}`, `[]`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a queryAnswer
		if err := a.UnmarshalJSON(b); err != nil {
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("decoded answer does not encode: %v", err)
		}
		var back queryAnswer
		if err := back.UnmarshalJSON(again); err != nil {
			t.Fatalf("re-encoded answer %s does not decode: %v", again, err)
		}
		if again2, _ := json.Marshal(back); !bytes.Equal(again2, again) {
			t.Fatalf("answer re-encodes as %s, then %s", again, again2)
		}
	})
}
