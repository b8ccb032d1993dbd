package circuit

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
)

// verifyGnark is gnark's own Groth16 verifier, kept to compare against.
func verifyGnark(vk groth16.VerifyingKey, proof []byte, public []fr.Element) error {
	if len(proof) != ProofSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrProof, len(proof), ProofSize)
	}
	p := groth16.NewProof(ecc.BN254)
	if _, err := p.ReadFrom(bytes.NewReader(proof)); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrProof, err)
	}
	w, err := witness.New(ecc.BN254.ScalarField())
	if err != nil {
		return fmt.Errorf("witness: %w", err)
	}
	values := make(chan any, len(public))
	for i := range public {
		values <- public[i]
	}
	close(values)
	if err := w.Fill(len(public), 0, values); err != nil {
		return fmt.Errorf("%w: public inputs: %v", ErrProof, err)
	}
	if err := groth16.Verify(p, vk, w); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}

// shieldProof sets up the shield circuit (the smallest) and proves one
// shield, for comparing verifiers.
func shieldProof(tb testing.TB) (groth16.VerifyingKey, []byte, []fr.Element) {
	tb.Helper()
	cs, err := Compile(KindShield)
	if err != nil {
		tb.Fatal(err)
	}
	pk, vk, err := groth16.Setup(cs)
	if err != nil {
		tb.Fatal(err)
	}
	var owner, rho fr.Element
	owner.SetUint64(11)
	rho.SetUint64(12)
	cm := Commitment(100, owner, rho)
	proof, err := Prove(cs, pk, &Shield{Amount: 100, Commitment: cm, Bind: 9, Owner: owner, Rho: rho})
	if err != nil {
		tb.Fatal(err)
	}
	return vk, proof, []fr.Element{FromUint64(100), cm, FromUint64(9)}
}

// TestVerifierAgreesWithGnark: the prepared verifier accepts exactly what
// gnark's Groth16 verifier accepts, for the honest proof, each public input
// changed, the proof's points changed, and the wrong number of inputs.
func TestVerifierAgreesWithGnark(t *testing.T) {
	vk, proof, public := shieldProof(t)
	v, err := NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name   string
		proof  []byte
		public []fr.Element
	}
	// The honest proof first and last: a check must not change the Verifier.
	cases := []tc{{"honest", proof, public}, {"one input short", proof, public[:2]},
		{"one input more", proof, append(append([]fr.Element(nil), public...), FromUint64(1))}}
	for i := range public {
		bad := append([]fr.Element(nil), public...)
		one := FromUint64(1)
		bad[i].Add(&bad[i], &one)
		cases = append(cases, tc{fmt.Sprintf("input %d changed", i), proof, bad})
	}
	for _, at := range []int{0, 31, 32, 95, 96, 127} {
		bad := bytes.Clone(proof)
		bad[at] ^= 1
		cases = append(cases, tc{fmt.Sprintf("proof byte %d flipped", at), bad, public})
	}
	cases = append(cases, tc{"honest", proof, public})
	// A real G1 point where gnark's encoding keeps the commitments' proof of
	// knowledge: gnark's verifier ignores it, this one refuses it.
	pok := bytes.Clone(proof)
	copy(pok[ProofSize-32:], proof[:32])
	if err := verifyGnark(vk, pok, public); err != nil {
		t.Fatalf("gnark refuses a proof with a stray commitment point: %v", err)
	}
	if err := v.Verify(pok, public); !errors.Is(err, ErrProof) {
		t.Fatalf("stray commitment point: got %v, want ErrProof", err)
	}
	for _, c := range cases {
		want, got := verifyGnark(vk, c.proof, c.public), v.Verify(c.proof, c.public)
		if (want == nil) != (got == nil) {
			t.Fatalf("%s: gnark says %v, Verifier says %v", c.name, want, got)
		}
		if got != nil && !errors.Is(got, ErrProof) {
			t.Fatalf("%s: %v is not ErrProof", c.name, got)
		}
		if (c.name == "honest") != (got == nil) {
			t.Fatalf("%s: verified %v", c.name, got)
		}
	}
}

// BenchmarkVerify compares gnark's verifier with the prepared one on the
// same proof (one core: GOMAXPROCS as set by -cpu).
func BenchmarkVerify(b *testing.B) {
	vk, proof, public := shieldProof(b)
	v, err := NewVerifier(vk)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		verify func([]byte, []fr.Element) error
	}{
		{"gnark", func(p []byte, x []fr.Element) error { return verifyGnark(vk, p, x) }},
		{"prepared", v.Verify},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu := processCPU()
			for range b.N {
				if err := c.verify(proof, public); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time, unlike wall time, does not grow with the load of
			// other processes on a shared machine.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
