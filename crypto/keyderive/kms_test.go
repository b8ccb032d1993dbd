package keyderive

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestKMSSealingKey pins the TDX sealing-key derivation and checks that
// the chain, the measurement and the label each change the key.
func TestKMSSealingKey(t *testing.T) {
	m := testMaster(t)
	gh := [32]byte{0xaa}
	key := func(gh [32]byte, meas string, l Labeler) []byte {
		return DeriveKMSSealingKey(m, gh, []byte(meas), l).Bytes()
	}
	got := hex.EncodeToString(key(gh, "mrtd", nil))
	if got != kmsKAT {
		t.Fatalf("sealing key %s, pinned %s", got, kmsKAT)
	}
	base := key(gh, "mrtd", nil)
	for name, other := range map[string][]byte{
		"another chain":       key([32]byte{0xbb}, "mrtd", nil),
		"another measurement": key(gh, "mrtd2", nil),
		"sim label":           key(gh, "mrtd", func(s string) string { return s + "-insecure" }),
	} {
		if bytes.Equal(base, other) {
			t.Errorf("%s gives the same sealing key", name)
		}
	}
}

// kmsKAT is DeriveKMSSealingKey(0x01 x 32, genesis 0xaa 0..., "mrtd").
const kmsKAT = "6cd36728a5b034bbb81e769155acd0baccd0bec4523a82376d2a98159769f3d5"
