package mq

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
)

// initGenesis does nothing: mq has no genesis state, and it has always
// ignored whatever its section holds.
func (*Module) initGenesis(*module.Context, json.RawMessage) error { return nil }
