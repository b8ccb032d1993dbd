package agents

import (
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the module's Params (JSON).
	keyParams = []byte("agents/params")
	// keyList holds every agent id in creation order (32 bytes each).
	keyList = []byte("agents/list")
	// prefixAgent + agent id holds an Agent (JSON) (AgentKey).
	prefixAgent = []byte("agents/a/")
	// prefixEscrow + address holds the account's escrow balance (16-byte
	// amount; absent when zero) (EscrowKey).
	prefixEscrow = []byte("agents/escrow/")
	// prefixAPIKey + SHA-256 of an API key holds its APIKey (JSON) (APIKeyKey).
	prefixAPIKey = []byte("agents/apikey/")
	// prefixReceipt + receipt id holds the Unix millisecond (8 bytes BE) a
	// settled receipt's id is remembered until.
	prefixReceipt = []byte("agents/receipt/")
	// prefixReceiptExpiry + expiry (Unix ms, 8 bytes BE) + receipt id holds
	// a marker byte: the settled receipt ids in the order they may be
	// forgotten.
	prefixReceiptExpiry = []byte("agents/receipt-expiry/")
	// prefixHold + caller address + worker id holds a worker's Hold on the
	// caller's escrow (JSON) (HoldKey).
	prefixHold = []byte("agents/hold/")
	// prefixHeld + caller address holds the sum of the Remaining of the
	// caller's holds (16-byte amount; absent when zero) (HeldKey).
	prefixHeld = []byte("agents/held/")
	// prefixHoldExpiry + expiry height (8 bytes BE) + caller address +
	// worker id holds a marker byte: the holds in the order they end.
	prefixHoldExpiry = []byte("agents/hold-expiry/")
)

// AgentKey is the state key of an agent record, for proofs.
func AgentKey(id [32]byte) []byte { return state.Key(prefixAgent, id[:]) }

// EscrowKey is the state key of an account's escrow balance, for proofs.
func EscrowKey(a address.Address) []byte { return state.Key(prefixEscrow, a[:]) }

// APIKeyKey is the state key of a registered API key by its hash.
func APIKeyKey(hash [32]byte) []byte { return state.Key(prefixAPIKey, hash[:]) }

// receiptKey holds until when a settled receipt's id is remembered.
func receiptKey(id [32]byte) []byte { return state.Key(prefixReceipt, id[:]) }

// receiptExpiryKey orders a settled receipt's id by when it is forgotten.
func receiptExpiryKey(expiry []byte, id [32]byte) []byte {
	return state.Key(prefixReceiptExpiry, expiry, id[:])
}

// HoldKey is the state key of a worker's hold on a caller's escrow, for
// proofs.
func HoldKey(caller address.Address, worker [32]byte) []byte {
	return state.Key(prefixHold, caller[:], worker[:])
}

// HeldKey is the state key of how much of a caller's escrow is held.
func HeldKey(caller address.Address) []byte { return state.Key(prefixHeld, caller[:]) }

// holdExpiryKey orders a hold by the height it ends at.
func holdExpiryKey(height int64, caller address.Address, worker [32]byte) []byte {
	return state.Key(prefixHoldExpiry, state.Uint64(uint64(height)), caller[:], worker[:])
}

// ParamsKey is the state key of the module's Params, for proofs.
func ParamsKey() []byte { return keyParams }
