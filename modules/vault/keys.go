package vault

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/sharepool/ledger"
)

// prefixVault is followed by a vault id: a Vault record (JSON). Every
// state key is under the module prefix.
var prefixVault = []byte("vault/v/")

// shareLedger keeps the vault id counter (vault/next_id), the vaults'
// shares, withdrawal queues and each account's queued request under
// vault/sh/, vault/q/ and vault/qa/ (ledger.Ledger says what each holds).
var shareLedger = ledger.Under(Name, false)

// VaultKey holds a Vault record (JSON).
func VaultKey(id uint64) []byte { return state.Key(prefixVault, state.Uint64(id)) }
