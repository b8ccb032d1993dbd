package computation

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
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

// FuzzDecodeRecords: a session record reaches workers that follow their
// own session with proofs, and a heartbeat payload comes in an mq message
// from a worker's enclave; no bytes panic either decoder, and what
// decodes re-encodes to the same bytes (both layouts are canonical).
func FuzzDecodeRecords(f *testing.F) {
	s := Session{Pool: 7, State: StateCoolingDown, Online: true, Benchmark: 3, Stake: pha.Whole(5),
		InitialV: fixedpoint.FromInt(2), V: fixedpoint.FromBits(1, 1<<63), VHeight: 9, CoolingUntil: -1}
	raw := s.encode()
	for _, b := range [][]byte{raw, raw[:len(raw)-1], HeartbeatPayload(1), HeartbeatPayload(1 << 62), {0x80, 0}, nil} {
		f.Add(false, b)
		f.Add(true, b)
	}
	f.Fuzz(func(t *testing.T, heartbeat bool, b []byte) {
		if heartbeat {
			c, err := DecodeHeartbeat(b)
			if err != nil {
				if !errors.Is(err, ErrBadHeartbeat) {
					t.Fatalf("refusal is not ErrBadHeartbeat: %v", err)
				}
				return
			}
			if again := HeartbeatPayload(c); !bytes.Equal(again, b) {
				t.Fatalf("heartbeat %x re-encodes as %x", b, again)
			}
			return
		}
		s, err := DecodeSession(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "session record: ") {
				t.Fatalf("refusal does not name the session record: %v", err)
			}
			return
		}
		if again := s.encode(); !bytes.Equal(again, b) {
			t.Fatalf("session %x re-encodes as %x", b, again)
		}
	})
}
