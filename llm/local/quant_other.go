//go:build !amd64 || purego

package local

// dotF16Fast has no kernel on this platform: the portable loop runs.
func dotF16Fast([]byte, []float32) (float32, bool) { return 0, false }

// dotQ8_0Fast has no kernel on this platform: the portable loop runs.
func dotQ8_0Fast([]byte, []int8, []float32) (float32, bool) { return 0, false }

// q4kSum is the portable q4kSumGo on this platform.
func q4kSum(qs []byte, q []int8, sc *[8]int16) int32 { return q4kSumGo(qs, q, sc) }
