package apptest

import (
	"testing"

	"github.com/phalanetwork/phala/pha"
)

// Add is a+b for tests.
func Add(t testing.TB, a, b pha.Amount) pha.Amount {
	t.Helper()
	s, err := a.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Sub is a−b for tests.
func Sub(t testing.TB, a, b pha.Amount) pha.Amount {
	t.Helper()
	s, err := a.Sub(b)
	if err != nil {
		t.Fatalf("%s − %s: %v", a, b, err)
	}
	return s
}

// MulDiv is floor(a·num/den) for tests.
func MulDiv(t testing.TB, a, num, den pha.Amount) pha.Amount {
	t.Helper()
	s, err := a.MulDiv(num, den)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
