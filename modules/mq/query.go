package mq

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
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
	parts := strings.Split(path, "/")
	if len(parts) != 3 || parts[0] != QuerySequence {
		return nil, fmt.Errorf("%w: query path /mq/%s", tx.ErrNotFound, path)
	}
	o, err := ParseOrigin(parts[1], parts[2])
	if err != nil {
		return nil, err
	}
	return json.Marshal(SequenceResponse{Origin: o.String(), Next: m.Keeper.NextSequence(kv, o), Egress: m.Keeper.NextEgress(kv, o)})
}
