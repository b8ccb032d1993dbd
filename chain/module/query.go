package module

import (
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

// ParseAccount reads an account address from a query path segment; one
// that does not parse is tx.ErrInvalidMsg, as the message layer words it.
func ParseAccount(s string) (address.Address, error) {
	a, err := address.Parse(s)
	if err != nil {
		return a, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
	}
	return a, nil
}
