package sandbox

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
)

// Determinism makes a Call a pure function of its code, arguments, host
// function results and this struct: it fixes the clock, the time zone and the
// random numbers the JavaScript can see.
type Determinism struct {
	// TimeMillis is what Date.now() and new Date() return, in milliseconds
	// since the Unix epoch (for a contract, the block time). The clock does not
	// move during the call, and the local time zone is UTC.
	TimeMillis int64
	// Seed seeds the ChaCha8 generator (math/rand/v2) behind Math.random and
	// crypto.getRandomValues; the same seed gives the same numbers everywhere.
	Seed [32]byte
}

// randomBatch is how many Math.random values one host call hands to the VM.
const randomBatch = 64

// randomSource feeds Math.random and crypto.getRandomValues: a ChaCha8
// stream in deterministic mode, the operating system's generator otherwise.
type randomSource struct {
	chacha *rand.ChaCha8 // nil: crypto/rand
}

// newRandomSource returns the source for a Call with determinism d (nil: real randomness).
func newRandomSource(d *Determinism) *randomSource {
	if d == nil {
		return &randomSource{}
	}
	return &randomSource{chacha: rand.NewChaCha8(d.Seed)}
}

// uint64 returns the next 64 random bits.
func (r *randomSource) uint64() uint64 {
	if r.chacha != nil {
		return r.chacha.Uint64()
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// floats returns a batch of doubles uniform in [0, 1), each made from the top
// 53 bits of one 64-bit output, as Math.random values.
func (r *randomSource) floats() []float64 {
	out := make([]float64, randomBatch)
	for i := range out {
		out[i] = float64(r.uint64()>>11) / (1 << 53)
	}
	return out
}

// hexBytes returns n random bytes as lowercase hex.
func (r *randomSource) hexBytes(n int) string {
	if n < 0 || n > 65536 {
		n = 0
	}
	b := make([]byte, n)
	if r.chacha != nil {
		_, _ = r.chacha.Read(b)
	} else {
		_, _ = crand.Read(b)
	}
	return hex.EncodeToString(b)
}
