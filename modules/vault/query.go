package vault

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
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

// SharesInfo answers a shares query: an account's vault shares.
type SharesInfo struct {
	Vault uint64 `json:"vault"`
	sharepool.Holding
}

// Summarize returns v with its value, free PHA and price.
func (m *Module) Summarize(kv state.KV, v Vault) Summary {
	return Summary{Vault: v, Value: m.Keeper.Value(kv, &v), Free: m.Keeper.Free(kv, &v), Price: sharepool.FormatPrice(m.Keeper.price(kv, &v))}
}

// Info assembles a vault's full view.
func (m *Module) Info(kv state.KV, v Vault) Info {
	info := Info{Summary: m.Summarize(kv, v), Positions: m.Keeper.Positions(kv, &v), Withdrawals: []WithdrawalView{}}
	for seq := v.QueueHead; seq < v.QueueTail; seq++ {
		if w, ok := m.Keeper.Withdrawal(kv, v.ID, seq); ok {
			info.Withdrawals = append(info.Withdrawals, WithdrawalView{Withdrawal: w, Value: sharepool.ValueOf(w.Shares, info.Value, v.TotalShares)})
		}
	}
	return info
}

// HolderValue is what account a's vault shares, held and queued, are worth
// now across every vault (for voting weight from staked PHA).
func (m *Module) HolderValue(kv state.KV, a address.Address) pha.Amount {
	return m.Keeper.HolderValue(kv, a)
}

// query answers the paths under /vault/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	parts := strings.Split(path, "/")
	var out any
	var err error
	switch {
	case parts[0] == QueryVaults:
		out = m.summaries(kv)
	case len(parts) == 2 && parts[0] == QueryVault:
		out, err = m.vaultInfo(kv, parts[1])
	case len(parts) == 3 && parts[0] == QueryShares:
		out, err = m.sharesInfo(kv, parts[1], parts[2])
	default:
		return nil, fmt.Errorf("%w: query path /vault/%s", tx.ErrNotFound, path)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (m *Module) summaries(kv state.KV) []Summary {
	out := []Summary{}
	m.Keeper.IterateVaults(kv, func(v Vault) bool {
		out = append(out, m.Summarize(kv, v))
		return true
	})
	return out
}

func (m *Module) vaultInfo(kv state.KV, id string) (Info, error) {
	v, err := module.LookupID(kv, id, "vault", ErrUnknownVault, m.Keeper.Vault)
	if err != nil {
		return Info{}, err
	}
	return m.Info(kv, v), nil
}

func (m *Module) sharesInfo(kv state.KV, id, account string) (SharesInfo, error) {
	v, err := module.LookupID(kv, id, "vault", ErrUnknownVault, m.Keeper.Vault)
	if err != nil {
		return SharesInfo{}, err
	}
	a, err := address.Parse(account)
	if err != nil {
		return SharesInfo{}, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
	}
	held, value := m.Keeper.Shares(kv, v.ID, a), m.Keeper.Value(kv, &v)
	w, queued := m.Keeper.Queued(kv, v.ID, a)
	if !queued {
		return SharesInfo{Vault: v.ID, Holding: sharepool.HoldingOf(a, held, nil, value, v.TotalShares)}, nil
	}
	return SharesInfo{Vault: v.ID, Holding: sharepool.HoldingOf(a, held, &w, value, v.TotalShares)}, nil
}
