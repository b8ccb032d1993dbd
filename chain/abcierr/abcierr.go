// Package abcierr gives every error that reaches an ABCI result a stable
// (codespace, code) pair, so clients can tell rejections apart without
// parsing messages.
package abcierr

import (
	"errors"
	"fmt"
)

// Error is a registered error kind. Wrap it with fmt.Errorf("...: %w", err)
// to add context; Code finds it again with errors.As.
type Error struct {
	Codespace string
	Code      uint32
	Desc      string
}

// Error returns the description.
func (e *Error) Error() string { return e.Desc }

// CodespaceApp is the codespace of errors raised by the application core.
const CodespaceApp = "phala"

// CodeInternal is returned for errors that carry no registered kind; it
// means a bug, not bad input.
const CodeInternal = 1

var registered = map[string]map[uint32]*Error{}

// Register declares a new error kind. It is called from package variable
// initialisers; a duplicate (codespace, code) is a programming error.
func Register(codespace string, code uint32, desc string) *Error {
	if code <= CodeInternal {
		panic(fmt.Sprintf("abcierr: code %d is reserved", code))
	}
	if registered[codespace] == nil {
		registered[codespace] = map[uint32]*Error{}
	}
	if prev, ok := registered[codespace][code]; ok {
		panic(fmt.Sprintf("abcierr: %s/%d registered twice (%q and %q)", codespace, code, prev.Desc, desc))
	}
	e := &Error{Codespace: codespace, Code: code, Desc: desc}
	registered[codespace][code] = e
	return e
}

// Code returns the codespace and code of err, or (CodespaceApp,
// CodeInternal) when err wraps no registered kind.
func Code(err error) (string, uint32) {
	var e *Error
	if errors.As(err, &e) {
		return e.Codespace, e.Code
	}
	return CodespaceApp, CodeInternal
}

// Lookup returns the registered kind for a result code, if any, so a client
// can name the error a node returned.
func Lookup(codespace string, code uint32) (*Error, bool) {
	e, ok := registered[codespace][code]
	return e, ok
}
