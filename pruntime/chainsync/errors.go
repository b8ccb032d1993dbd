package chainsync

import (
	"errors"
	"fmt"
	"strconv"
)

// Error classes. Every error returned by this package wraps exactly one of
// them (test with errors.Is); the message says which height and which check
// failed.
var (
	// ErrForgedHeader: a header the source supplied is not the chain's
	// header at that height: it fails basic validation, its hash is not the
	// one its commit signs, it does not link to the previous verified header
	// (LastBlockID), its height or time is wrong, or its commit is not
	// signed by more than 2/3 of the voting power of its validator set.
	ErrForgedHeader = errors.New("forged header")
	// ErrWrongValidators: the validator set does not hash to the header's
	// ValidatorsHash, or the header's ValidatorsHash is not what the
	// previous verified header (NextValidatorsHash) or the genesis document
	// says it must be.
	ErrWrongValidators = errors.New("wrong validator set")
	// ErrChainID: a header belongs to another chain id than the genesis
	// document's.
	ErrChainID = errors.New("wrong chain id")
	// ErrBadProof: a state value, a block's transactions or a block's
	// results do not match the commitment (AppHash, DataHash,
	// LastResultsHash) in a verified header.
	ErrBadProof = errors.New("bad proof")
	// ErrWithheld: the source did not provide what was asked (an error, or
	// an empty answer). Nothing is accepted in its place; no gap is skipped.
	ErrWithheld = errors.New("withheld by source")
	// ErrBehind: the request needs a header this Sync has not verified yet;
	// Advance first.
	ErrBehind = errors.New("light client behind")
	// ErrOutOfWindow: the request needs a verified header that has already
	// left the window of recent headers.
	ErrOutOfWindow = errors.New("header out of window")
	// ErrGenesis: the genesis document cannot serve as a trusted root.
	ErrGenesis = errors.New("unusable genesis")
	// ErrStaleCheckpoint: a checkpoint would move the trusted state back,
	// or the source is behind the trusted checkpoint.
	ErrStaleCheckpoint = errors.New("stale checkpoint")
	// ErrBadCheckpoint: a checkpoint is not a header of this chain.
	ErrBadCheckpoint = errors.New("unusable checkpoint")
)

// fail builds an error of class kind about height and the named check.
func fail(kind error, height int64, check string, format string, args ...any) error {
	return &Error{Kind: kind, Height: height, Check: check, Detail: fmt.Sprintf(format, args...)}
}

// failWrap is fail with a cause that errors.Is/As also reach.
func failWrap(kind error, height int64, check string, cause error, format string, args ...any) error {
	return &Error{Kind: kind, Height: height, Check: check, Detail: fmt.Sprintf(format, args...), Cause: cause}
}

// Error is the concrete error of this package.
type Error struct {
	Kind   error  // one of the Err* classes
	Height int64  // the height concerned (0 when none)
	Check  string // short name of the failed check, e.g. "last-block-id"
	Detail string
	Cause  error // underlying error, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("chainsync: %v at height %d: %s check failed: %s", e.Kind, e.Height, e.Check, e.Detail)
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap exposes the class and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func itoa(h int64) string { return strconv.FormatInt(h, 10) }
