// Package balances is the PHA ledger: accounts with balances and nonces, the
// genesis allocation table, transfers, fees and the total supply.
package balances

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "balances"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the balances module.
var (
	ErrInsufficientFunds = abcierr.Register(Codespace, 2, "insufficient funds")
	ErrInvalidAmount     = abcierr.Register(Codespace, 3, "invalid amount")
	ErrInvalidRecipient  = abcierr.Register(Codespace, 4, "invalid recipient")
	ErrBadGenesis        = abcierr.Register(Codespace, 5, "invalid balances genesis")
)

// TotalSupply is the fixed number of PHA created at genesis.
var TotalSupply = pha.Whole(1_000_000_000)

// Well-known module accounts, owned by the chain itself.
var (
	// Treasury receives transaction fees and the treasury share of rewards;
	// the DAO spends from it.
	Treasury = address.Module("treasury")
	// SubsidyPool funds computation rewards; nothing is minted later.
	SubsidyPool = address.Module("computation_subsidy")
	// StakeAccount holds every PHA staked in stake pools: free stake,
	// stake locked by computing and cooling-down workers, and rewards not
	// yet withdrawn. The supply report counts it as staked.
	StakeAccount = address.Module("stake_pools")
)

// Account is the state of one address.
type Account struct {
	// Nonce is the number of transactions this account has sent; the next
	// transaction must carry exactly this value.
	Nonce   uint64     `json:"nonce"`
	Balance pha.Amount `json:"balance"`
}

const accountSize = pha.Size + 8

func (a Account) encode() []byte {
	b := make([]byte, accountSize)
	a.Balance.Put(b[:pha.Size])
	binary.BigEndian.PutUint64(b[pha.Size:], a.Nonce)
	return b
}

// DecodeAccount reads an account record as stored under AccountKey, for
// clients that read it with a proof.
func DecodeAccount(b []byte) (Account, error) {
	if len(b) != accountSize {
		return Account{}, fmt.Errorf("account record: %d bytes, want %d", len(b), accountSize)
	}
	bal, _ := pha.FromBytes(b[:pha.Size])
	return Account{Balance: bal, Nonce: binary.BigEndian.Uint64(b[pha.Size:])}, nil
}
