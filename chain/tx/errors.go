package tx

import "github.com/phalanetwork/phala/chain/abcierr"

// Rejections of a transaction as a whole. Modules register their own kinds
// in their own codespace.
var (
	ErrMalformed       = abcierr.Register(abcierr.CodespaceApp, 2, "malformed transaction")
	ErrWrongChainID    = abcierr.Register(abcierr.CodespaceApp, 3, "wrong chain id")
	ErrBadSignature    = abcierr.Register(abcierr.CodespaceApp, 4, "bad signature")
	ErrWrongNonce      = abcierr.Register(abcierr.CodespaceApp, 5, "wrong nonce")
	ErrInsufficientFee = abcierr.Register(abcierr.CodespaceApp, 6, "insufficient funds for fee")
	ErrUnknownMsg      = abcierr.Register(abcierr.CodespaceApp, 7, "unknown message type")
	ErrTooLarge        = abcierr.Register(abcierr.CodespaceApp, 8, "transaction too large")
	ErrFeeTooLow       = abcierr.Register(abcierr.CodespaceApp, 9, "fee below minimum")
	ErrInvalidMsg      = abcierr.Register(abcierr.CodespaceApp, 10, "invalid message")
	ErrUnauthorized    = abcierr.Register(abcierr.CodespaceApp, 11, "unauthorized")
	ErrNotFound        = abcierr.Register(abcierr.CodespaceApp, 12, "not found")
)
