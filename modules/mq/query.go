package mq

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
)

// QuerySequence is sequence/<kind>/<hex id> -> SequenceResponse.
const QuerySequence = "sequence"

// SequenceResponse answers a sequence query.
type SequenceResponse struct {
	Origin string `json:"origin"`
	Next   uint64 `json:"next"`
	Egress uint64 `json:"next_egress"`
}

// SequencePath is the query path of an origin's sequences; it answers
// SequenceResponse.
func SequencePath(o Origin) string { return "/" + Name + "/" + QuerySequence + "/" + o.String() }

// query answers the paths under /mq/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		{Name: QuerySequence, Parts: 3, Answer: func(kv state.KV, args []string) (any, error) {
			o, err := ParseOrigin(args[0], args[1])
			if err != nil {
				return nil, err
			}
			return SequenceResponse{Origin: o.String(), Next: m.Keeper.NextSequence(kv, o), Egress: m.Keeper.NextEgress(kv, o)}, nil
		}},
	})
}
