package bench

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/tree"
	"github.com/phalanetwork/phala/shielded/wallet"
)

var (
	shieldedOnce   sync.Once
	shieldedProver *wallet.Prover
	shieldedVKs    map[circuit.Kind]groth16.VerifyingKey
	shieldedErr    error
	shieldedSetup  time.Duration // compiling and a single-party setup of all three
)

// shieldedFixture is a prover and a transfer spending a fresh note.
func shieldedFixture(b *testing.B) (note.SpendingKey, []wallet.Owned, []fr.Element) {
	b.Helper()
	shieldedOnce.Do(func() {
		logger.Set(zerolog.Nop())
		start := time.Now()
		shieldedProver, shieldedVKs, shieldedErr = wallet.Setup()
		shieldedSetup = time.Since(start)
	})
	if shieldedErr != nil {
		b.Fatal(shieldedErr)
	}
	sk, err := note.NewSpendingKey(bytes.NewReader(bytes.Repeat([]byte{3}, 48)))
	if err != nil {
		b.Fatal(err)
	}
	n, err := note.New(sk.Address(), 1000)
	if err != nil {
		b.Fatal(err)
	}
	f := tree.NewFrontier()
	leaf := n.Commitment()
	if _, err := f.Append(leaf); err != nil {
		b.Fatal(err)
	}
	return sk, []wallet.Owned{{Note: n, Index: 0}}, []fr.Element{leaf}
}

// BenchmarkShielded measures the shielded pool's proofs on this machine:
// constraints per circuit, proving time, proof size, verification time per
// proof (as the chain runs it, public inputs decoded from the message),
// verified transfers per second on one core (the chain's prepared
// verifier), and ed25519 verifications of a signed transfer in the same run
// for scale. Each timed step also reports its process CPU time.
func BenchmarkShielded(b *testing.B) {
	sk, owned, leaves := shieldedFixture(b)
	to := []wallet.Payment{{To: sk.Address(), Value: 600}, {To: sk.Address(), Value: 390}}
	b.Run("setup/all", func(b *testing.B) {
		b.ReportMetric(shieldedSetup.Seconds(), "s-once")
	})
	for _, k := range circuit.Kinds {
		b.Run("constraints/"+k.String(), func(b *testing.B) {
			keys := shieldedProver.Keys[k]
			pk, err := keys.PK.WriteRawTo(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(keys.CS.GetNbConstraints()), "constraints")
			b.ReportMetric(float64(pk)/1e6, "pk-MB")
		})
	}
	b.Run("prove/shield", func(b *testing.B) {
		cpu := processCPU()
		for range b.N {
			if _, err := shieldedProver.Shield(sk.Address(), 1000); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu, b.N)
	})
	var msg *shielded.MsgTransfer
	b.Run("prove/transfer", func(b *testing.B) {
		cpu := processCPU()
		for range b.N {
			m, err := shieldedProver.Transfer(sk, owned, [2]wallet.Payment{to[0], to[1]}, 10, address.Address{1}, leaves)
			if err != nil {
				b.Fatal(err)
			}
			msg = m
		}
		b.ReportMetric(float64(len(msg.Proof)), "proof-bytes")
		reportCPU(b, cpu, b.N)
	})
	b.Run("prove/unshield", func(b *testing.B) {
		cpu := processCPU()
		for range b.N {
			if _, err := shieldedProver.Unshield(sk, owned, address.Address{2}, address.Address{1}, 500, 10, leaves); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu, b.N)
	})
	// The verifications run perOp times per iteration so that a run with
	// few iterations (proving is slow) still times thousands of them.
	const perOp = 200
	b.Run("verify/transfer", func(b *testing.B) {
		v, err := circuit.NewVerifier(shieldedVKs[circuit.KindTransfer])
		if err != nil {
			b.Fatal(err)
		}
		n, cpu := b.N*perOp/20, processCPU()
		for range n {
			public, err := msg.PublicInputs()
			if err == nil {
				err = v.Verify(msg.Proof, public)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "transfers/s")
		reportCPU(b, cpu, n)
	})
	b.Run("verify/ed25519-transfer", func(b *testing.B) {
		key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
		signBytes := bytes.Repeat([]byte{2}, 183) // a signed transfer's size
		sig := ed25519.Sign(key, signBytes)
		pub := key.Public().(ed25519.PublicKey)
		cpu := processCPU()
		for range b.N * perOp {
			if !ed25519.Verify(pub, signBytes, sig) {
				b.Fatal("ed25519 refused")
			}
		}
		b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "transfers/s")
		reportCPU(b, cpu, b.N*perOp)
	})
}

// reportCPU reports the process CPU time per operation since cpu, over n
// operations: unlike wall time it does not grow with other processes'
// load on a shared machine (it adds the cores a parallel prover uses).
func reportCPU(b *testing.B, cpu time.Duration, n int) {
	b.ReportMetric(ms(processCPU()-cpu)/float64(n), "cpu-ms/op")
}
