package module

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
)

// QueryRoute is one query sub-path a module answers: Name is its first
// segment, Parts how many segments it takes (0: any number), and Answer
// gives the value to send as JSON from the segments after the name.
type QueryRoute struct {
	Name   string
	Parts  int
	Answer func(kv state.KV, args []string) (any, error)
}

// Dispatch answers path (below "/<module>/") with the first of routes
// whose name and segment count match, as JSON. A path no route takes is
// tx.ErrNotFound, so every module words an unknown path the same way.
func Dispatch(kv state.KV, module, path string, routes []QueryRoute) ([]byte, error) {
	parts := strings.Split(path, "/")
	for _, r := range routes {
		if parts[0] != r.Name || (r.Parts != 0 && len(parts) != r.Parts) {
			continue
		}
		out, err := r.Answer(kv, parts[1:])
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("%w: query path /%s/%s", tx.ErrNotFound, module, path)
}

// Rest is a route that gives answer everything after name's "/" (empty
// when nothing follows) as one string: for ids that are a single segment,
// or paths the module parses itself.
func Rest(name string, answer func(rest string) (any, error)) QueryRoute {
	return QueryRoute{Name: name, Answer: func(_ state.KV, args []string) (any, error) {
		return answer(strings.Join(args, "/"))
	}}
}

// Fixed is a route that takes any segments after name and answers with
// what answer reads from kv.
func Fixed[T any](name string, answer func(state.KV) T) QueryRoute {
	return QueryRoute{Name: name, Answer: func(kv state.KV, _ []string) (any, error) { return answer(kv), nil }}
}

// List is a route that takes any segments after name and answers with
// the view of every record each walks, in its order (never null).
func List[T, V any](name string, each func(state.KV, func(T) bool), view func(state.KV, T) V) QueryRoute {
	return Fixed(name, func(kv state.KV) []V {
		out := []V{}
		each(kv, func(rec T) bool {
			out = append(out, view(kv, rec))
			return true
		})
		return out
	})
}

// ByID is a route "name/<id>[/<arg>...]" of parts segments: the record
// that id names (LookupID with what, notFound and get) and the segments
// after the id go to answer.
func ByID[T any](name string, parts int, what string, notFound error, get func(state.KV, uint64) (T, bool), answer func(kv state.KV, rec T, args []string) (any, error)) QueryRoute {
	return QueryRoute{Name: name, Parts: parts, Answer: func(kv state.KV, args []string) (any, error) {
		rec, err := LookupID(kv, args[0], what, notFound, get)
		if err != nil {
			return nil, err
		}
		return answer(kv, rec, args[1:])
	}}
}
