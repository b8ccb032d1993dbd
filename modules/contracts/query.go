package contracts

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
)

// CodeView is the answer to a code query: the record and, when asked for,
// the code itself.
type CodeView struct {
	Code
	Source string `json:"source,omitempty"`
}

// Query implements module.Module. Paths: "params", "list",
// "contract/<id>", "code/<hash>" (add "/source" for the code),
// "result/<id>/<input>", "roots/<id>/<input>", "diverged/<id>",
// "cluster/<cluster id>".
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	parts := strings.Split(path, "/")
	switch {
	case path == "params":
		return json.Marshal(m.Params(kv))
	case path == "list":
		out := []Contract{}
		for _, id := range m.List(kv) {
			c, _ := m.Contract(kv, id)
			out = append(out, c)
		}
		return json.Marshal(out)
	case len(parts) == 2 && parts[0] == "cluster":
		cid, err := parseID(parts[1], "cluster")
		if err != nil {
			return nil, err
		}
		out := []Contract{}
		for _, id := range m.ClusterContracts(kv, cid) {
			c, _ := m.Contract(kv, id)
			out = append(out, c)
		}
		return json.Marshal(out)
	case len(parts) == 2 && parts[0] == "contract":
		id, err := parseID(parts[1], "contract")
		if err != nil {
			return nil, err
		}
		c, ok := m.Contract(kv, id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownContract, parts[1])
		}
		return json.Marshal(c)
	case (len(parts) == 2 || len(parts) == 3 && parts[2] == "source") && parts[0] == "code":
		h, err := parseID(parts[1], "code hash")
		if err != nil {
			return nil, err
		}
		info, ok := m.CodeInfo(kv, h)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownCode, parts[1])
		}
		v := CodeView{Code: info}
		if len(parts) == 3 {
			v.Source = string(kv.Get(CodeKey(h)))
		}
		return json.Marshal(v)
	case len(parts) == 3 && (parts[0] == "result" || parts[0] == "roots"):
		id, err := parseID(parts[1], "contract")
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseUint(parts[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: input number %q", tx.ErrNotFound, parts[2])
		}
		if parts[0] == "result" {
			r, ok := m.Result(kv, id, n)
			if !ok {
				return nil, fmt.Errorf("%w: no result for input %d of %s yet", tx.ErrNotFound, n, parts[1])
			}
			return json.Marshal(r)
		}
		r, ok := m.Roots(kv, id, n)
		if !ok {
			return nil, fmt.Errorf("%w: no state roots for input %d of %s", tx.ErrNotFound, n, parts[1])
		}
		return json.Marshal(r)
	case len(parts) == 2 && parts[0] == "diverged":
		id, err := parseID(parts[1], "contract")
		if err != nil {
			return nil, err
		}
		return json.Marshal(m.Diverged(kv, id))
	}
	return nil, fmt.Errorf("%w: query path /contracts/%s", tx.ErrNotFound, path)
}

// ClusterContracts lists the contracts instantiated in a cluster.
func (*Module) ClusterContracts(kv state.KV, cluster [32]byte) [][32]byte {
	return decodeIDs(kv.Get(ClusterContractsKey(cluster)))
}

func decodeIDs(b []byte) [][32]byte {
	out := make([][32]byte, 0, len(b)/32)
	for i := 0; i+32 <= len(b); i += 32 {
		out = append(out, [32]byte(b[i:i+32]))
	}
	return out
}

func parseID(s, what string) ([32]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("%w: %s must be 64 hex characters", tx.ErrNotFound, what)
	}
	return [32]byte(b), nil
}
