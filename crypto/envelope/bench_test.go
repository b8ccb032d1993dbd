package envelope

import "testing"

func BenchmarkSeal256(b *testing.B) {
	k := newKey(b)
	pt := make([]byte, 256)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Seal(k.PublicKey(), PurposeContractCommand, []byte("alice"), pt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen256(b *testing.B) {
	k := newKey(b)
	pt := make([]byte, 256)
	e, err := Seal(k.PublicKey(), PurposeContractCommand, []byte("alice"), pt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := Open(k, PurposeContractCommand, e); err != nil {
			b.Fatal(err)
		}
	}
}
