package vault

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// VotingWeight is the DAO weight a's vault shares carry: what they are
// worth now (dao.WeightSource).
func (m *Module) VotingWeight(kv state.KV, a address.Address) pha.Amount { return m.HolderValue(kv, a) }

// TotalVotingWeight is the vaults' part of the DAO's total weight: their
// PHA not in stake pools, since the DAO already counts every pool's whole
// value (dao.WeightSource).
func (m *Module) TotalVotingWeight(kv state.KV) pha.Amount {
	total := pha.Amount{}
	kv.Iterate(prefixVault, func(_, raw []byte) bool {
		var v Vault
		state.DecodeJSON(raw, &v, "vault record")
		total, _ = total.Add((balances.Keeper{}).Account(kv, v.Account).Balance)
		return true
	})
	return total
}
