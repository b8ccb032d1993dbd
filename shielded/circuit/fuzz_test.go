package circuit

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// square is the smallest circuit with a public input: a key for it is a
// valid verifying key encoding in a few milliseconds.
type square struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *square) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

// squareKey is the encoding of a verifying key for square.
func squareKey(f *testing.F) []byte {
	cs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &square{})
	if err != nil {
		f.Fatal(err)
	}
	_, vk, err := groth16.Setup(cs)
	if err != nil {
		f.Fatal(err)
	}
	b, err := EncodeVerifyingKey(vk)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDecodeVerifyingKey: a verifying key comes from genesis and from the
// setup ceremony's mq messages, which every validator decodes, so no
// encoding may panic or make the decoder allocate more than its bytes
// could describe; one that decodes re-encodes to the same bytes (the
// compressed form is canonical) and prepares a verifier.
func FuzzDecodeVerifyingKey(f *testing.F) {
	vk := squareKey(f)
	f.Add(vk)
	for _, n := range []int{0, 1, vkPointsSize, vkPointsSize + 4, len(vk) - 4, len(vk) - 1} {
		f.Add(vk[:n])
	}
	// The length of K (the public input points) says four billion points
	// in a key of a few hundred bytes.
	huge := bytes.Clone(vk)
	binary.BigEndian.PutUint32(huge[vkPointsSize:], 0xffffffff)
	f.Add(huge)
	// So does the number of committed public input lists.
	huge = bytes.Clone(vk)
	binary.BigEndian.PutUint32(huge[len(huge)-8:], 0xffffffff)
	f.Add(huge)
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := DecodeVerifyingKey(b)
		if err != nil {
			return
		}
		again, err := EncodeVerifyingKey(k)
		if err != nil {
			t.Fatalf("decoded key does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, b)
		}
		if _, err := ParseVerifier(b); err != nil {
			t.Logf("decodes but prepares no verifier: %v", err)
		}
	})
}
