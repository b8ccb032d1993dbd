package vault

import (
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Query paths under /vault/.
const (
	QueryVaults = "vaults" // vaults -> []Summary
	QueryVault  = "vault"  // vault/<id> -> Info
	QueryShares = "shares" // shares/<id>/<address> -> SharesInfo
)

// queryPrefix starts every path this module answers.
const queryPrefix = "/" + Name + "/"

// VaultsPath is the query path of every vault (answer: []Summary).
func VaultsPath() string { return queryPrefix + QueryVaults }

// VaultPath is the query path of one vault (answer: Info).
func VaultPath(id uint64) string { return queryPrefix + QueryVault + "/" + strconv.FormatUint(id, 10) }

// SharesPath is the query path of an account's shares in a vault (answer:
// SharesInfo).
func SharesPath(id uint64, owner address.Address) string {
	return queryPrefix + QueryShares + "/" + strconv.FormatUint(id, 10) + "/" + owner.String()
}

// Summary is a vault with its value and share price.
type Summary struct {
	Vault
	Value pha.Amount `json:"value"`
	Free  pha.Amount `json:"free"`
	// Price is value / shares with 12 decimals, rounded down.
	Price string `json:"share_price"`
}

// Info answers a vault query.
type Info struct {
	Summary
	Positions   []Position       `json:"positions"`
	Withdrawals []WithdrawalView `json:"withdrawals"`
}

// Summarize returns v with its value, free PHA and price.
func (m *Module) Summarize(kv state.KV, v Vault) Summary {
	return Summary{Vault: v, Value: m.Keeper.Value(kv, &v), Free: m.Keeper.Free(kv, &v), Price: sharepool.FormatPrice(m.Keeper.price(kv, &v))}
}

// Info assembles a vault's full view.
func (m *Module) Info(kv state.KV, v Vault) Info {
	info := Info{Summary: m.Summarize(kv, v), Positions: m.Keeper.Positions(kv, &v)}
	info.Withdrawals = shareLedger.Views(kv, v.ID, v.Queue, info.Value, v.TotalShares)
	return info
}

// HolderValue is what account a's vault shares, held and queued, are worth
// now across every vault (for voting weight from staked PHA).
func (m *Module) HolderValue(kv state.KV, a address.Address) pha.Amount {
	return m.Keeper.HolderValue(kv, a)
}

// query answers the paths under /vault/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.List(QueryVaults, m.Keeper.IterateVaults, m.Summarize),
		module.ByID(QueryVault, 2, "vault", ErrUnknownVault, m.Keeper.Vault, func(kv state.KV, v Vault, _ []string) (any, error) { return m.Info(kv, v), nil }),
		module.ByID(QueryShares, 3, "vault", ErrUnknownVault, m.Keeper.Vault, m.sharesInfo),
	})
}

// SharesInfo answers a shares query: an account's vault shares.
type SharesInfo struct {
	Vault uint64 `json:"vault"`
	sharepool.Holding
}

// sharesInfo answers shares/<id>/<account> for vault v.
func (m *Module) sharesInfo(kv state.KV, v Vault, args []string) (any, error) {
	h, err := shareLedger.Holding(kv, v.ID, args[0], m.Keeper.Value(kv, &v), v.TotalShares)
	return SharesInfo{Vault: v.ID, Holding: h}, err
}
