package explorer

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// byHexID answers the pages keyed by a 64-hex {id} (workers, clusters,
// contracts, agents): it checks the id, queries the record at path(id) into
// a T and returns the normalised id as well, which the pages' event searches
// need. what names the record, with its article ("an agent"), in the
// bad-request error.
func byHexID[T any, K ~[32]byte](e *Explorer, r *http.Request, what string, path func(K) string) (string, T, error) {
	var v T
	id := normHex(r.PathValue("id"))
	if !isHex(id, 32) {
		return "", v, fmt.Errorf("%w: %s id is 64 hex characters", errBadRequest, what)
	}
	if err := e.query(r.Context(), path(K(hexID(id))), &v); err != nil {
		return "", v, err
	}
	return id, v, nil
}

// byNumID answers the pages keyed by a numeric {id} (pools, vaults, DAO
// proposals): it parses the id and queries the record at path(id) into a T;
// a failed query is reported as not found.
func byNumID[T any](e *Explorer, r *http.Request, what string, path func(uint64) string) (uint64, T, error) {
	var v T
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, v, fmt.Errorf("%w: a %s id is a number", errBadRequest, what)
	}
	if err := e.query(r.Context(), path(id), &v); err != nil {
		return 0, v, fmt.Errorf("%w: %s %d: %v", errNotFound, what, id, err)
	}
	return id, v, nil
}

// listOf queries the list at path and describes each element with view; an
// empty list is an empty slice, so the JSON says [] rather than null.
func listOf[T, V any](ctx context.Context, e *Explorer, path string, view func(T) V) ([]V, error) {
	var in []T
	if err := e.query(ctx, path, &in); err != nil {
		return nil, err
	}
	out := make([]V, 0, len(in))
	for _, x := range in {
		out = append(out, view(x))
	}
	return out, nil
}

// eventQuery is the transaction search for events of type event whose
// attribute attr is value.
func eventQuery(event, attr, value string) string {
	return event + "." + attr + "=" + quote(value)
}
