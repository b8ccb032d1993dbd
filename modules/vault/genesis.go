package vault

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
)

// initGenesis accepts the vault section: the module has no genesis state,
// so the section may be absent, null or an empty object and nothing else.
func (*Module) initGenesis(_ *module.Context, raw json.RawMessage) error {
	if len(raw) > 0 && string(raw) != "null" && string(raw) != "{}" {
		return fmt.Errorf("%w: the vault section takes no fields", ErrBadGenesis)
	}
	return nil
}
