package ceremony_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/shielded/ceremony"
)

// TestRedTeamCountBombs: a contributor's state names a count far beyond
// what its bytes could hold (a domain of 2^31 for a phase 1 state of
// domain 4, 2^32-1 points for a phase 2 slice). gnark allocates for a
// count before it reads the elements, so such a state of a few kilobytes
// made every enclave that verified it die out of memory, beyond what a
// recover could catch. Each is refused as a bad contribution, and the
// states it was cut from still verify.
func TestRedTeamCountBombs(t *testing.T) {
	start, next := phase1Step(t)
	if err := ceremony.VerifyPhase1(start, next); err != nil {
		t.Fatalf("an honest contribution: %v", err)
	}
	var four [8]byte
	binary.BigEndian.PutUint64(four[:], 4)
	at := bytes.Index(next, four[:])
	if at < 0 {
		t.Fatal("the phase 1 state names no domain of 4")
	}
	bomb := bytes.Clone(next)
	binary.BigEndian.PutUint64(bomb[at:], 1<<31)
	if err := ceremony.VerifyPhase1(start, bomb); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("a phase 1 state naming a domain of 2^31: %v, want %v", err, ceremony.ErrBadContribution)
	}
	if _, err := ceremony.ContributePhase1(bomb); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("contributing to it: %v, want %v", err, ceremony.ErrBadContribution)
	}
	if _, err := ceremony.SealPhase1(4, []byte("beacon"), [][]byte{bomb}); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("sealing it: %v, want %v", err, ceremony.ErrBadContribution)
	}

	// Phase 2's first slice (the private inputs' keys) follows the
	// commitment count (2 bytes) and delta (a compressed G1 point).
	p2 := make([]byte, 2+32+4+64)
	binary.BigEndian.PutUint32(p2[34:], 1<<32-1)
	if err := ceremony.VerifyPhase2(p2, p2); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("a phase 2 state naming 2^32-1 points: %v, want %v", err, ceremony.ErrBadContribution)
	}
}

// FuzzVerifyStates: whatever bytes a contributor announces, verifying them
// as the next phase 1 or phase 2 state neither panics nor runs out of
// memory, and a refusal is a bad contribution.
func FuzzVerifyStates(f *testing.F) {
	start, next := phase1Step(f)
	f.Add(next)
	f.Add(next[:len(next)/2])
	f.Add(make([]byte, 2+32+4+64))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := ceremony.VerifyPhase1(start, b); err != nil && !errors.Is(err, ceremony.ErrBadContribution) {
			t.Fatalf("phase 1: %v, want %v", err, ceremony.ErrBadContribution)
		}
		if err := ceremony.VerifyPhase2(b, b); err != nil && !errors.Is(err, ceremony.ErrBadContribution) && !strings.HasPrefix(err.Error(), "previous state: ") {
			t.Fatalf("phase 2: %v, want %v", err, ceremony.ErrBadContribution)
		}
	})
}

// phase1Step is the start state of a phase 1 of domain 4 and one honest
// contribution on top of it.
func phase1Step(tb testing.TB) (start, next []byte) {
	tb.Helper()
	start, err := ceremony.Phase1Start(4)
	if err != nil {
		tb.Fatal(err)
	}
	next, err = ceremony.ContributePhase1(start)
	if err != nil {
		tb.Fatal(err)
	}
	return start, next
}
