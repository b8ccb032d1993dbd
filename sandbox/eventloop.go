package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/quickjs"
)

// maxPendingAsync bounds the async host calls one Call may have in flight;
// starting another rejects its promise.
const maxPendingAsync = 1024

// asyncResult is a finished async host call on its way back to the VM.
type asyncResult struct {
	id     int
	result string // tagged, see encodeResult
}

// loop runs the event loop until the top-level promise settles: it drains
// the microtask queue, then waits for the next async host call to finish and
// delivers its result, until the promise settles, the time is up, or nothing
// is left that could settle it.
func (c *call) loop() error {
	timer := time.NewTimer(time.Until(c.deadline))
	defer timer.Stop()
	for {
		if err := c.enter(); err != nil {
			return err
		}
		_, err := c.vm.ExecutePendingJobs()
		drained := true
		if err != nil {
			if v := c.verdict(); v != nil {
				return v
			}
			var qe *quickjs.Error
			if !errors.As(err, &qe) {
				// The engine stopped a self-feeding job queue; go on
				// draining it until the time or the gas runs out.
				drained = false
			} else {
				return scriptError(err)
			}
		}
		state, err := c.boxState()
		if err != nil {
			return err
		}
		if state != 0 {
			return nil
		}
		if !drained {
			continue
		}
		if c.pending == 0 {
			return fmt.Errorf("%w: the returned promise can never settle (no host call is pending)", ErrTimeout)
		}
		select {
		case r := <-c.results:
			if err := c.deliver(r); err != nil {
				return err
			}
		case <-c.ctx.Done():
			return c.verdict()
		case <-timer.C:
			return fmt.Errorf("%w (%v)", ErrTimeout, c.lim.Time)
		}
	}
}

// deliver settles the promise of a finished async host call.
func (c *call) deliver(r asyncResult) error {
	// Handing the result over is the host's work; the script's handling of
	// it, in the jobs the loop runs next, is billed again.
	c.pauseBilling()
	defer c.resumeBilling()
	c.pending--
	if v := c.verdict(); v != nil {
		return v
	}
	if _, err := c.callBox("settle", r.id, r.result); err != nil {
		return c.classify(err)
	}
	if err := c.applyCharges(); err != nil {
		return c.classify(err)
	}
	return nil
}

// applyCharges takes the Meter charges made since the last time from the
// JavaScript gas counter (metered programs only).
func (c *call) applyCharges() error {
	d := c.meter.take()
	if d == 0 || !c.prog.metered {
		return nil
	}
	_, err := c.funcs["charge"].Call(c.box, float64(d))
	return err
}

// hostCall is the Go side of a synchronous host function: args are the
// function's index, its arguments as JSON and the gas left.
func (c *call) hostCall(args []any) (any, error) {
	c.pauseBilling() // what the host does for the script bills through Meter
	defer c.resumeBilling()
	i, argsJSON, left, ok := hostArgs(args)
	if !ok || i < 0 || i >= len(c.syncNames) {
		return nil, errors.New("sandbox: bad host call")
	}
	c.meter.see(left)
	name := c.syncNames[i]
	fn := c.env.Funcs[name]
	out := c.invoke(name, argsJSON, func(a []any) (any, error) { return fn(a) })
	// Errors here surface as the interrupt that a failed charge causes.
	_ = c.applyCharges()
	return out, nil
}

// asyncStart is the Go side of an asynchronous host function: args are the
// function's index, the call's id, its arguments as JSON and the gas left.
// It starts the function on a goroutine whose result loop delivers.
func (c *call) asyncStart(args []any) (any, error) {
	c.pauseBilling()
	defer c.resumeBilling()
	if len(args) != 4 {
		return nil, errors.New("sandbox: bad host call")
	}
	i, argsJSON, left, ok := hostArgs([]any{args[0], args[2], args[3]})
	if !ok || i < 0 || i >= len(c.asyncNames) {
		return nil, errors.New("sandbox: bad host call")
	}
	id, ok := toInt(args[1])
	if !ok {
		return nil, errors.New("sandbox: bad host call")
	}
	if c.pending >= maxPendingAsync {
		return nil, fmt.Errorf("sandbox: more than %d host calls pending", maxPendingAsync)
	}
	c.meter.see(left)
	name := c.asyncNames[i]
	fn := c.env.Async[name]
	c.pending++
	ctx := c.ctx
	go func() {
		out := c.invoke(name, argsJSON, func(a []any) (any, error) { return fn(ctx, a) })
		select {
		case c.results <- asyncResult{id: id, result: out}:
		case <-c.done:
		}
	}()
	return nil, nil
}

// invoke calls a host function with the JSON arguments decoded, recovering
// a panic (which ends the Call), and encodes its outcome as a tagged string:
// "v" + JSON, "u" for a nil result, "e" + message for an error.
func (c *call) invoke(name, argsJSON string, fn func([]any) (any, error)) string {
	var args []any
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		return "e" + name + ": arguments: " + err.Error()
	}
	var (
		v   any
		err error
	)
	panicked := func() (p bool) {
		defer func() {
			if r := recover(); r != nil {
				c.fail(fmt.Errorf("sandbox: host function %s panicked: %v", name, r))
				p = true
			}
		}()
		v, err = fn(args)
		return false
	}()
	switch {
	case panicked:
		return "e" + name + ": host function failed"
	case err != nil:
		if errors.Is(err, ErrOutOfGas) {
			c.outOfGas()
		}
		return "e" + err.Error()
	case v == nil:
		return "u"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "e" + name + ": result: " + err.Error()
	}
	return "v" + string(b)
}

// hostArgs decodes (index, argsJSON, gasLeft) from a host call wrapper.
func hostArgs(args []any) (i int, argsJSON string, left float64, ok bool) {
	if len(args) != 3 {
		return 0, "", 0, false
	}
	i, ok1 := toInt(args[0])
	argsJSON, ok2 := args[1].(string)
	left, ok3 := toFloat(args[2])
	return i, argsJSON, left, ok1 && ok2 && ok3
}

// toInt converts a JavaScript number that arrived in Go to an int.
func toInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}

// toFloat converts a JavaScript number that arrived in Go to a float64.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
