package clusters

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
)

// initGenesis does nothing: clusters start empty, and the module has always
// ignored whatever its genesis section holds.
func (*Module) initGenesis(*module.Context, json.RawMessage) error { return nil }
