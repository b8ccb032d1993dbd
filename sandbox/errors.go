package sandbox

import (
	"errors"
	"fmt"
	"strings"

	"modernc.org/quickjs"
)

// Errors returned by Bundle, Compile and Call. They are wrapped with
// context; test for them with errors.Is.
var (
	// ErrOutOfGas means a metered Call used up its gas limit.
	ErrOutOfGas = errors.New("sandbox: out of gas")
	// ErrTimeout means a Call ran past Limits.Time, or its result can never settle.
	ErrTimeout = errors.New("sandbox: time limit exceeded")
	// ErrMemory means the JavaScript heap reached Limits.Memory.
	ErrMemory = errors.New("sandbox: memory limit exceeded")
	// ErrStackOverflow means the JavaScript call stack reached Limits.Stack.
	ErrStackOverflow = errors.New("sandbox: stack overflow")
	// ErrOutputTooLarge means the JSON of the result is longer than Limits.Output.
	ErrOutputTooLarge = errors.New("sandbox: output too large")
	// ErrNoExport means the module has no exported function of the requested name.
	ErrNoExport = errors.New("sandbox: no such export")
	// ErrScript means the JavaScript threw an exception that it did not catch.
	ErrScript = errors.New("sandbox: script error")
	// ErrCompile means the sources could not be bundled, parsed or compiled.
	ErrCompile = errors.New("sandbox: compile error")
)

// ScriptError describes an uncaught JavaScript exception; it matches
// ErrScript with errors.Is, and ErrMemory or ErrStackOverflow when the engine
// threw it for those limits.
type ScriptError struct {
	Name    string // the error's name, e.g. "TypeError"; empty for a thrown non-Error value
	Message string // the error's message, or the thrown value as text
	Stack   string // the JavaScript stack trace, if any
	kind    error  // ErrScript, ErrMemory or ErrStackOverflow
}

// Error formats the exception as "sandbox: script error: Name: Message".
func (e *ScriptError) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	b.WriteString(": ")
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the sentinel error the exception matches.
func (e *ScriptError) Unwrap() error { return e.kind }

// scriptError turns an exception returned by the engine into a ScriptError,
// classifying the engine's own out-of-memory and stack-overflow errors.
func scriptError(err error) error {
	var qe *quickjs.Error
	if !errors.As(err, &qe) {
		return fmt.Errorf("%w: %v", ErrScript, err)
	}
	se := &ScriptError{Name: qe.Name, Message: qe.Message, Stack: qe.Stack}
	if qe.Name == "" && qe.Message == "" {
		// A thrown value that is not an object: its text is all there is.
		se.Message = "uncaught " + qe.Error()
	}
	se.kind = errorKind(se.Name, se.Message)
	return se
}

// errorKind classifies an uncaught exception by its name and message: the
// engine reports its memory and stack limits as InternalErrors.
//
// When memory is so short that the engine cannot allocate even the error
// object, it throws null instead; so an uncaught null counts as running out
// of memory (code that throws null itself gets the same verdict).
func errorKind(name, message string) error {
	if name == "" && message == "uncaught null" {
		return ErrMemory
	}
	if name != "InternalError" {
		return ErrScript
	}
	switch message {
	case "out of memory", "string too long":
		return ErrMemory
	case "stack overflow":
		return ErrStackOverflow
	}
	return ErrScript
}

// LimitOf names the limit that ended a call with err: "time", "memory",
// "stack", "output" or "gas", or "" when err is not a limit error. The
// names carry nothing of the script, so operators may log them.
func LimitOf(err error) string {
	for _, l := range []struct {
		err  error
		name string
	}{
		{ErrTimeout, "time"}, {ErrMemory, "memory"}, {ErrStackOverflow, "stack"},
		{ErrOutputTooLarge, "output"}, {ErrOutOfGas, "gas"},
	} {
		if errors.Is(err, l.err) {
			return l.name
		}
	}
	return ""
}
