package mq

import (
	"encoding/hex"
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

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
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

// ParseOrigin reads an origin from its kind name and hex id.
func ParseOrigin(kind, id string) (Origin, error) {
	var o Origin
	k, err := ParseOriginKind(kind)
	if err != nil {
		return o, err
	}
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != OriginIDSize {
		return o, fmt.Errorf("%w: origin id must be %d hex bytes", ErrInvalidMessage, OriginIDSize)
	}
	o.Kind = k
	copy(o.ID[:], b)
	return o, nil
}
