package computation

import (
	"math/rand/v2"
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

func TestSessionEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 200 {
		s := Session{Pool: r.Uint64(), State: StateComputing, Online: i%2 == 0, Benchmark: r.Uint64(), Stake: pha.Units(r.Uint64()),
			InitialV: fixedpoint.FromBits(r.Uint64(), r.Uint64()), V: fixedpoint.FromBits(r.Uint64(), r.Uint64()),
			VHeight: r.Int64(), Challenge: r.Int64(), Answered: r.Int64(), LastHeartbeat: r.Int64(), StartHeight: r.Int64(),
			OfflineSince: r.Int64(), CoolingUntil: r.Int64()}
		if i%3 == 0 {
			s.State = StateCoolingDown
		}
		s.Worker[i%32] = byte(i)
		raw := s.encode()
		if len(raw) != sessionSize {
			t.Fatalf("encoded %d bytes, want %d", len(raw), sessionSize)
		}
		back, err := decodeSession(raw)
		if err != nil || back != s {
			t.Fatalf("round trip: %+v -> %+v (%v)", s, back, err)
		}
	}
	for _, bad := range [][]byte{nil, make([]byte, sessionSize), append([]byte{sessionVersion}, make([]byte, sessionSize)...)} {
		if _, err := decodeSession(bad); err == nil {
			t.Fatalf("decoded %x", bad)
		}
	}
}
