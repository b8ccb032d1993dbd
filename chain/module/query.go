package module

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// LookupID answers a query path segment that names a record by its
// decimal id (pools, vaults): the record get finds under it. A segment
// that is not a number, or names no record, is notFound, worded with what.
func LookupID[T any](kv state.KV, s, what string, notFound error, get func(state.KV, uint64) (T, bool)) (T, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %s id %q", notFound, what, s)
	}
	rec, ok := get(kv, id)
	if !ok {
		return rec, fmt.Errorf("%w: %d", notFound, id)
	}
	return rec, nil
}

// ParseHash reads a query path segment that names a record by a 32-byte
// id in hex (agents, contracts, code); anything else is tx.ErrNotFound,
// worded with what.
func ParseHash(s, what string) ([32]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("%w: %s must be 64 hex characters", tx.ErrNotFound, what)
	}
	return [32]byte(b), nil
}

// LookupHash answers a query path segment that names a record by its
// 32-byte hex id: the record get finds under it. A segment that is not such
// an id is tx.ErrNotFound (see ParseHash); one that names no record is
// notFound with the segment.
func LookupHash[T any](s, what string, notFound error, get func([32]byte) (T, bool)) (T, error) {
	id, err := ParseHash(s, what)
	if err != nil {
		var zero T
		return zero, err
	}
	rec, ok := get(id)
	if !ok {
		return rec, fmt.Errorf("%w: %s", notFound, s)
	}
	return rec, nil
}

// ParseAccount reads an account address from a query path segment; one
// that does not parse is tx.ErrInvalidMsg, as the message layer words it.
func ParseAccount(s string) (address.Address, error) {
	a, err := address.Parse(s)
	if err != nil {
		return a, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
	}
	return a, nil
}
