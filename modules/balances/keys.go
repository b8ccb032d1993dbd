package balances

import "github.com/phalanetwork/phala/crypto/address"

// State keys, all under the module prefix.
var (
	// prefixAccount + the 20-byte address holds that address's Account:
	// the 16-byte balance then the 8-byte big-endian nonce (Account.encode).
	// A zero account has no key.
	prefixAccount = []byte("balances/a/")
	// keySupply holds the total supply recorded at genesis, 16 bytes
	// (pha.Amount.Bytes).
	keySupply = []byte("balances/supply")
)

// AccountKey is the state key of an account record, for proofs; its value
// is the 16-byte balance then the 8-byte big-endian nonce.
func AccountKey(a address.Address) []byte {
	k := make([]byte, 0, len(prefixAccount)+address.Size)
	k = append(k, prefixAccount...)
	return append(k, a[:]...)
}
