package pruntime

import (
	"crypto/sha256"
	"time"
)

// Benchmark runs a fixed CPU workload for d and returns the score P: the
// number of SHA-256 compressions of a 64-byte block per second, divided by
// 1000. The workload is the same on every worker, so scores compare.
func Benchmark(d time.Duration) uint64 {
	var buf [64]byte
	n := uint64(0)
	start := time.Now()
	for time.Since(start) < d {
		for i := 0; i < 1000; i++ {
			sum := sha256.Sum256(buf[:])
			copy(buf[:32], sum[:])
		}
		n += 1000
	}
	score := uint64(float64(n) / time.Since(start).Seconds() / 1000)
	return max(score, 1)
}
