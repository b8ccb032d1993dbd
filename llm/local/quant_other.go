//go:build !amd64 || purego

package local

// dotF16Fast has no kernel on this platform: the portable loop runs.
func dotF16Fast([]byte, []float32) (float32, bool) { return 0, false }

// dotF16x2Fast has no kernel on this platform: each vector meets the row in turn.
func dotF16x2Fast([]byte, []qvec, *[2]float32) bool { return false }

// dotQ8_0Fast has no kernel on this platform: the portable loop runs.
func dotQ8_0Fast([]byte, []int8, []float32) (float32, bool) { return 0, false }

// dotQ4KFast has no kernel on this platform: the portable loop runs.
func dotQ4KFast([]byte, *qvec) (float32, bool) { return 0, false }

// roundHalves sets dst[i] to roundHalf(src[i]) (len(dst) ≥ len(src)).
func roundHalves(dst, src []float32) {
	dst = dst[:len(src)]
	for i, a := range src {
		dst[i] = roundHalf(a)
	}
}
