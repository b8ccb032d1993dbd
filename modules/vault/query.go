package vault

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /vault/.
const (
	QueryVaults = "vaults" // vaults -> []Summary
	QueryVault  = "vault"  // vault/<id> -> Info
	QueryShares = "shares" // shares/<id>/<address> -> SharesInfo
)

// Summary is a vault with its value and share price.
type Summary struct {
	Vault
	Value pha.Amount `json:"value"`
	Free  pha.Amount `json:"free"`
	// Price is value / shares with 12 decimals, rounded down.
	Price string `json:"share_price"`
}

// WithdrawalView is a queued withdrawal and what it is worth now.
type WithdrawalView struct {
	Withdrawal
	Value pha.Amount `json:"value"`
}

// Info answers a vault query.
type Info struct {
	Summary
	Positions   []Position       `json:"positions"`
	Withdrawals []WithdrawalView `json:"withdrawals"`
}

// SharesInfo answers a shares query.
type SharesInfo struct {
	Vault       uint64          `json:"vault"`
	Account     address.Address `json:"account"`
	Shares      pha.Amount      `json:"shares"`
	Value       pha.Amount      `json:"value"`
	Withdrawing *WithdrawalView `json:"withdrawing,omitempty"`
}

// Summarize returns v with its value, free PHA and price.
func (m *Module) Summarize(kv state.KV, v Vault) Summary {
	return Summary{Vault: v, Value: m.Value(kv, &v), Free: m.Free(kv, &v), Price: fixed12(m.price(kv, &v))}
}

// Info assembles a vault's full view.
func (m *Module) Info(kv state.KV, v Vault) Info {
	info := Info{Summary: m.Summarize(kv, v), Positions: m.Positions(kv, &v), Withdrawals: []WithdrawalView{}}
	for seq := v.QueueHead; seq < v.QueueTail; seq++ {
		if w, ok := m.Withdrawal(kv, v.ID, seq); ok {
			info.Withdrawals = append(info.Withdrawals, WithdrawalView{Withdrawal: w, Value: valueOf(info.Value, v.TotalShares, w.Shares)})
		}
	}
	return info
}

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, _ []byte) ([]byte, error) {
	parts := strings.Split(path, "/")
	switch parts[0] {
	case QueryVaults:
		out := []Summary{}
		kv.Iterate(prefixVault, func(_, raw []byte) bool {
			var v Vault
			state.DecodeJSON(raw, &v, "vault record")
			out = append(out, m.Summarize(kv, v))
			return true
		})
		return json.Marshal(out)
	case QueryVault:
		if len(parts) != 2 {
			break
		}
		v, err := m.queryVault(kv, parts[1])
		if err != nil {
			return nil, err
		}
		return json.Marshal(m.Info(kv, v))
	case QueryShares:
		if len(parts) != 3 {
			break
		}
		v, err := m.queryVault(kv, parts[1])
		if err != nil {
			return nil, err
		}
		a, err := address.Parse(parts[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err)
		}
		value := m.Value(kv, &v)
		held := m.Shares(kv, v.ID, a)
		out := SharesInfo{Vault: v.ID, Account: a, Shares: held, Value: valueOf(value, v.TotalShares, held)}
		if w, ok := m.Queued(kv, v.ID, a); ok {
			out.Withdrawing = &WithdrawalView{Withdrawal: w, Value: valueOf(value, v.TotalShares, w.Shares)}
		}
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("%w: query path /vault/%s", tx.ErrNotFound, path)
}

func (m *Module) queryVault(kv state.KV, s string) (Vault, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Vault{}, fmt.Errorf("%w: vault id %q", ErrUnknownVault, s)
	}
	return m.vault(kv, id)
}

// fixed12 writes a number of 10^-12 units with all 12 decimals.
func fixed12(a pha.Amount) string {
	s := a.String()
	for len(s) <= pha.Decimals {
		s = "0" + s
	}
	return s[:len(s)-pha.Decimals] + "." + s[len(s)-pha.Decimals:]
}

// HolderValue is what account a's vault shares, held and queued, are worth
// now across every vault, in vault id order (for voting weight from staked
// PHA).
func (m *Module) HolderValue(kv state.KV, a address.Address) pha.Amount {
	var vaults []Vault
	kv.Iterate(prefixVault, func(_, raw []byte) bool {
		var v Vault
		state.DecodeJSON(raw, &v, "vault record")
		vaults = append(vaults, v)
		return true
	})
	total := pha.Amount{}
	for i := range vaults {
		v := &vaults[i]
		shares := m.Shares(kv, v.ID, a)
		if w, ok := m.Queued(kv, v.ID, a); ok {
			shares, _ = shares.Add(w.Shares) // both part of the total
		}
		if shares.IsZero() {
			continue
		}
		total, _ = total.Add(valueOf(m.Value(kv, v), v.TotalShares, shares))
	}
	return total
}
