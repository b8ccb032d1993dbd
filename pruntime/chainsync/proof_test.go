package chainsync

import (
	"errors"
	"testing"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phalanetwork/phala/chain/state"
)

// TestVerifyStoreProofIAVL checks the proof verifier on a real IAVL store
// (chain/state, as the app uses it), without a node.
func TestVerifyStoreProofIAVL(t *testing.T) {
	st := state.OpenMemory()
	defer st.Close()
	for _, k := range []string{"a", "c", "e", "g"} {
		st.Set([]byte(k), []byte("value-"+k))
	}
	// ICS23 cannot prove an empty value, so the store refuses to hold one.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the store accepted an empty value")
			}
		}()
		st.Set([]byte("empty"), []byte{})
	}()
	root, version, err := st.Commit()
	if err != nil {
		t.Fatal(err)
	}
	view, err := st.At(version)
	if err != nil {
		t.Fatal(err)
	}
	prove := func(key string) *cmtcrypto.ProofOps {
		p, err := view.Prove([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpICS23, Key: []byte(key), Data: raw}}}
	}
	other := append([]byte(nil), root...)
	other[0] ^= 1
	cases := []struct {
		name     string
		root     []byte
		key      string
		value    []byte
		proofKey string
		want     []byte
		wantErr  bool
	}{
		{"member", root, "c", []byte("value-c"), "c", []byte("value-c"), false},
		{"absent between", root, "d", nil, "d", nil, false},
		{"absent before all", root, "0", nil, "0", nil, false},
		{"absent after all", root, "z", nil, "z", nil, false},
		{"wrong value", root, "c", []byte("value-x"), "c", nil, true},
		{"other root", other, "c", []byte("value-c"), "c", nil, true},
		{"absent under another root", other, "d", nil, "d", nil, true},
		{"present key claimed absent", root, "c", nil, "c", nil, true},
		{"absent key given a value", root, "d", []byte("value-c"), "d", nil, true},
		{"neighbour's proof", root, "c", []byte("value-c"), "e", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := prove(tc.proofKey)
			p.Ops[0].Key = []byte(tc.key)
			got, err := VerifyStoreProof(tc.root, []byte(tc.key), tc.value, p)
			if tc.wantErr {
				if !errors.Is(err, ErrBadProof) {
					t.Fatalf("err = %v, want ErrBadProof", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || string(got) != string(tc.want) {
				t.Fatalf("got %q (nil %v), want %q (nil %v)", got, got == nil, tc.want, tc.want == nil)
			}
		})
	}
	if _, err := VerifyStoreProof(nil, []byte("c"), []byte("value-c"), prove("c")); !errors.Is(err, ErrBadProof) {
		t.Fatalf("empty app hash: %v", err)
	}
}
