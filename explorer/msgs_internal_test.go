package explorer

import "testing"

// TestID32Short: an id shorter than 32 bytes in a node's answer is copied
// into a zero-padded id (whose query then finds nothing), never a panic;
// a longer one is cut to 32 bytes.
func TestID32Short(t *testing.T) {
	if got := id32([]byte{1, 2}); got != ([32]byte{1, 2}) {
		t.Errorf("id32(short) = %x", got)
	}
	if got := id32(nil); got != ([32]byte{}) {
		t.Errorf("id32(nil) = %x", got)
	}
	long := make([]byte, 40)
	long[31], long[32] = 9, 8
	if got := id32(long); got[31] != 9 {
		t.Errorf("id32(long) = %x", got)
	}
}
