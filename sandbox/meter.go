package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
)

// unlimitedGas is the gas counter's start value for a metered call with no
// gas limit; it stays an exact integer in a JavaScript number.
const unlimitedGas = 1<<53 - 1

// Meter is the gas account of one Call, which host functions charge for the
// work they do on the script's behalf (storage, hashing, bytes moved).
//
// JavaScript work is counted inside the VM (see the package documentation);
// a host function adds its own cost with Charge. A synchronous HostFunc
// reaches the Meter by closing over the one it put in Env.Meter; an AsyncFunc
// can also use MeterFrom on its context. Charges made by a synchronous host
// function take effect when it returns, those of an asynchronous one when its
// result is delivered. A Meter serves one Call at a time; reuse it only after
// that Call has returned.
type Meter struct {
	mu      sync.Mutex
	c       *call   // the Call it is bound to, nil outside a Call
	limit   uint64  // the Call's gas limit, 0 for none
	metered bool    // the program counts JavaScript work too
	left    float64 // JavaScript gas left when last seen, metered only
	pending uint64  // charged but not yet taken from the JavaScript counter
	charged uint64  // everything charged during the Call
	out     bool    // the Call ran out of gas
}

// meterKey is the context key under which Call passes the Meter to AsyncFuncs.
type meterKey struct{}

// MeterFrom returns the Meter of the Call whose AsyncFunc got ctx, or nil.
func MeterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// Charge adds n gas to the Call's bill. It returns an error matching
// ErrOutOfGas, and stops the script, when that would pass the Call's gas
// limit; a host function should then return that error without doing the
// work. Outside a Call, Charge fails.
func (m *Meter) Charge(n uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c == nil {
		return errors.New("sandbox: Meter.Charge outside a Call")
	}
	if m.out {
		return fmt.Errorf("%w: charging %d", ErrOutOfGas, n)
	}
	over := false
	switch {
	case m.metered:
		over = float64(n)+float64(m.pending) > m.left
	case m.limit != 0:
		over = n > m.limit-min(m.charged, m.limit)
	}
	m.charged = addSat(m.charged, n)
	if over {
		m.out = true
		m.c.outOfGas()
		return fmt.Errorf("%w: charging %d", ErrOutOfGas, n)
	}
	m.pending = addSat(m.pending, n)
	return nil
}

// Used returns the gas charged by host functions during the current or last Call.
func (m *Meter) Used() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.charged
}

// bind attaches m to a Call; it fails if m is in use by another one.
func (m *Meter) bind(c *call, limit uint64, metered bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c != nil {
		return errors.New("sandbox: Meter is in use by another Call")
	}
	m.c, m.limit, m.metered, m.left = c, limit, metered, math.Inf(1)
	if metered && limit != 0 {
		// Native work is charged before any host call reports the gas
		// left (see native.go): until one does, all of it is.
		m.left = float64(limit)
	}
	m.pending, m.charged, m.out = 0, 0, false
	return nil
}

// unbind detaches m from its Call.
func (m *Meter) unbind() {
	m.mu.Lock()
	m.c = nil
	m.mu.Unlock()
}

// see records the JavaScript gas left, as passed by a host call wrapper.
func (m *Meter) see(left float64) {
	if !m.metered || left < 0 {
		return
	}
	m.mu.Lock()
	m.left = left
	m.mu.Unlock()
}

// take returns the charges not yet applied to the JavaScript counter and
// clears them.
func (m *Meter) take() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.pending
	m.pending = 0
	m.left -= float64(n)
	return n
}

// exhausted reports whether a Charge ran the Call out of gas.
func (m *Meter) exhausted() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.out
}

// addSat returns a+b, saturating at the largest uint64.
func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}
