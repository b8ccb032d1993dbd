package wire

import (
	"bytes"
	"testing"
)

func TestBytes32(t *testing.T) {
	in := bytes.Repeat([]byte{7}, 33)
	for _, c := range []struct {
		name    string
		buf     []byte
		want    [32]byte
		wantErr bool
	}{
		{name: "exact", buf: in[:32], want: [32]byte(in[:32])},
		{name: "short", buf: in[:31], wantErr: true},
	} {
		r := NewReader(c.buf)
		got := r.Bytes32()
		if got != c.want || (r.Err() != nil) != c.wantErr {
			t.Errorf("%s: got %x, err %v", c.name, got, r.Err())
		}
	}
}
