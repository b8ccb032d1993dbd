package tee

import (
	"errors"
	"testing"
)

func TestTDXDebugBit(t *testing.T) {
	for _, c := range []struct {
		attrs []byte
		debug bool
	}{
		{nil, true},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 0}, true},
		{[]byte{0x00, 0, 0, 0x40, 0, 0, 0, 0}, false}, // the recorded quote: SEPT_VE_DISABLE only
		{[]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false},
	} {
		if got := tdxDebug(c.attrs); got != c.debug {
			t.Errorf("tdxDebug(%x) = %v", c.attrs, got)
		}
	}
}

func TestGuardTurnsPanicIntoError(t *testing.T) {
	err := guard("test", func() error {
		var s []int
		_ = s[len(s)+1] // index out of range, as a hostile length would cause
		return nil
	})
	if !errors.Is(err, ErrBadEvidence) {
		t.Fatalf("err = %v", err)
	}
}

func TestIntelRootPool(t *testing.T) {
	if _, err := intelRootPool(nil); err != nil {
		t.Fatal(err)
	}
}
