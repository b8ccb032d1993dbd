package pruntime

import (
	"crypto/sha256"
	"time"
)

// minBenchmarkTime is the shortest run the enclave measures over, whatever
// the host asks: long enough for the rate to mean something.
const minBenchmarkTime = 10 * time.Millisecond

// benchmark runs a fixed CPU workload for d, timed by the enclave's clock,
// and returns the score P: the number of SHA-256 compressions of a 64-byte
// block per second, divided by 1000. The workload is the same on every
// worker, so scores compare. It runs inside the enclave, so the host can
// only trigger it (and slow it down), never name the result.
func benchmark(d time.Duration, now Clock) uint64 {
	d = max(d, minBenchmarkTime)
	var buf [64]byte
	n := uint64(0)
	start := now()
	elapsed := time.Duration(0)
	for elapsed < d {
		for i := 0; i < 1000; i++ {
			sum := sha256.Sum256(buf[:])
			copy(buf[:32], sum[:])
		}
		n += 1000
		elapsed = now().Sub(start)
	}
	// Integer arithmetic: compressions per millisecond is P.
	score := n * uint64(time.Millisecond) / uint64(elapsed)
	return max(score, 1)
}
