// Package agents is the chain side of AI agent contracts: each agent's
// owner, code (through the contracts module's code store and keys),
// access policy, price per call, paused flag and sealed secrets; API keys
// that let plain HTTP clients call agents and the AI router; prepaid
// escrow; and the settlement of the usage receipts workers post. Agent
// calls themselves never touch the chain.
package agents

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "agents"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the agents module.
var (
	ErrUnknownAgent  = abcierr.Register(Codespace, 2, "unknown agent")
	ErrNotOwner      = abcierr.Register(Codespace, 3, "sender does not own the agent")
	ErrBadPolicy     = abcierr.Register(Codespace, 4, "invalid access policy")
	ErrSecretsTooBig = abcierr.Register(Codespace, 5, "secrets exceed the size limit")
	ErrBadSecrets    = abcierr.Register(Codespace, 6, "secrets are not an envelope sealed to the agent's current key")
	ErrNoKeys        = abcierr.Register(Codespace, 7, "agent keys for the cluster's current epoch are not published yet; retry in a few blocks")
	ErrEscrow        = abcierr.Register(Codespace, 8, "escrow balance too low")
	ErrUnknownAPIKey = abcierr.Register(Codespace, 9, "unknown API key")
	ErrAPIKeyExists  = abcierr.Register(Codespace, 10, "API key already registered")
	ErrBadReceipt    = abcierr.Register(Codespace, 11, "invalid usage receipt")
	ErrNotWorker     = abcierr.Register(Codespace, 12, "receipts must come from a registered worker")
	ErrZeroAmount    = abcierr.Register(Codespace, 13, "amount must not be zero")
	ErrAgentPaused   = abcierr.Register(Codespace, 14, "agent is paused")
	// Receipt refusals: each names the check, and refuses the whole batch
	// (an honest worker never posts one), which leaves every escrow as it
	// was.
	ErrNotMember     = abcierr.Register(Codespace, 15, "receipt from a worker outside the agent's cluster")
	ErrReceiptBounds = abcierr.Register(Codespace, 16, "receipt exceeds the per-receipt bounds")
	ErrNotBacked     = abcierr.Register(Codespace, 17, "receipt is not backed by the caller's signed request")
	ErrKeyBacking    = abcierr.Register(Codespace, 18, "receipt's API key is unknown, expired, another account's or scoped to another agent")
	ErrHeld          = abcierr.Register(Codespace, 19, "escrow is held for calls being served")
	ErrBadHold       = abcierr.Register(Codespace, 20, "invalid hold request")
	// ErrStaleSecrets refuses a merge of one secret whose base is no longer
	// the stored secrets: storing it would drop a change made meanwhile.
	ErrStaleSecrets = abcierr.Register(Codespace, 21, "secrets changed since the merge read them; merge again on the stored ones")
)

// Hex is a byte string that reads and writes as hex in JSON.
type Hex = keys.Hex

// Policy kinds.
const (
	PolicyOwner     = "owner"     // only the owner may call
	PolicyAllowList = "allowlist" // the owner and the listed accounts
	PolicyPublic    = "public"    // anyone who pays
	PolicyContract  = "contract"  // a confidential contract's query decides
)

// Policy says who may call an agent.
type Policy struct {
	Kind  string            `json:"kind"`
	Allow []address.Address `json:"allow,omitempty"`
	// Contract, for PolicyContract, is asked with the query
	// {"allow": {"agent": id, "caller": address}} and must answer true.
	Contract Hex `json:"contract,omitempty"`
}

// Agent is the chain's record of an AI agent. Its id, cluster, code
// history and keys are the contracts module's record of the same id.
type Agent struct {
	ID     Hex             `json:"id"`
	Owner  address.Address `json:"owner"`
	Policy Policy          `json:"policy"`
	Price  pha.Amount      `json:"price"`
	Paused bool            `json:"paused"`
	// Secrets is an envelope sealed to the agent's X25519 key of epoch
	// SecretsEpoch (purpose agent-secret); only enclaves open it.
	Secrets      Hex    `json:"secrets,omitempty"`
	SecretsEpoch uint64 `json:"secrets_epoch"`
	// Calls and Fees count settled calls and what they paid the owner.
	Calls   uint64     `json:"calls"`
	Fees    pha.Amount `json:"fees"`
	Created int64      `json:"created_height"`
}

// APIKey is a registered API key: only its SHA-256 is on chain.
type APIKey struct {
	Hash    Hex             `json:"hash"`
	Account address.Address `json:"account"`
	// Agent limits the key to one agent; empty allows every agent the
	// account may call and the AI router.
	Agent   Hex   `json:"agent,omitempty"`
	Expires int64 `json:"expires_height"`
}

// Params are the module's genesis parameters.
type Params struct {
	// CallFee is the network's part of every call, and TokenFee the
	// network's part per 1,000 LLM tokens; RequestFee per outbound request.
	CallFee    pha.Amount `json:"call_fee"`
	TokenFee   pha.Amount `json:"token_fee"`
	RequestFee pha.Amount `json:"request_fee"`
	// TreasuryBps is the treasury's share of the network part, in basis
	// points; the rest goes to the serving worker's operator.
	TreasuryBps uint64 `json:"treasury_bps"`
	// MaxSecrets bounds the sealed secrets in bytes.
	MaxSecrets int `json:"max_secrets"`
	// ReceiptWindow, in seconds, is how far a receipt's issue time may be
	// from the block time. The chain remembers a settled receipt's id for
	// that long and refuses receipts outside it, so a replayed signed
	// request is never billed twice and the ids kept stay bounded. It must
	// exceed twice agentio.Skew, the time a worker accepts a signed request
	// in; 0 in a genesis means the default.
	ReceiptWindow uint64 `json:"receipt_window_s"`
	// MaxReceiptTokens and MaxReceiptRequests bound the LLM tokens and
	// outbound requests one receipt may bill; a receipt over either is
	// refused. 0 in a genesis means the default.
	MaxReceiptTokens   uint64 `json:"max_receipt_tokens"`
	MaxReceiptRequests uint64 `json:"max_receipt_requests"`
	// HoldBlocks is how long a worker's hold on a caller's escrow lasts
	// after its last request for it, in blocks; 0 means the default. Long
	// enough for the receipts of the calls served under it to settle,
	// short enough that a hold of a worker that went away frees the
	// escrow for the others soon.
	HoldBlocks int64 `json:"hold_blocks"`
}

// Hold is a worker's lease on part of a caller's escrow: the chain set
// Granted aside for the worker's calls of that caller, and receipts of the
// worker debit it (Settled) before anything else. Granted less Settled is
// held: no withdrawal and no other worker's hold may take it. It ends at
// Expires (a height) unless the worker asks again.
type Hold struct {
	Caller address.Address `json:"caller"`
	Worker Hex             `json:"worker"`
	// Start is the height the lease began: with the worker's own count of
	// what it served, it tells one lease from a later one.
	Start   int64      `json:"start_height"`
	Granted pha.Amount `json:"granted"`
	Settled pha.Amount `json:"settled"`
	Expires int64      `json:"expires_height"`
	// Nonce is the worker's number of the last request the chain answered,
	// so the worker knows its request was seen even when nothing was
	// granted.
	Nonce uint64 `json:"nonce"`
}

// Remaining is what the hold still sets aside.
func (h Hold) Remaining() pha.Amount {
	r, err := h.Granted.Sub(h.Settled)
	if err != nil {
		return pha.Amount{}
	}
	return r
}

// NetworkFee is the network part of a call that used tokens LLM tokens
// and requests outbound requests: CallFee + TokenFee per 1,000 tokens +
// RequestFee per request.
func (p Params) NetworkFee(tokens, requests uint64) (pha.Amount, error) {
	t, err := p.TokenFee.MulDiv(pha.Units(tokens), pha.Units(1000))
	if err != nil {
		return pha.Amount{}, err
	}
	r, err := p.RequestFee.MulDiv(pha.Units(requests), pha.Units(1))
	if err != nil {
		return pha.Amount{}, err
	}
	sum, err := p.CallFee.Add(t)
	if err != nil {
		return pha.Amount{}, err
	}
	return sum.Add(r)
}

// DefaultReceiptWindow is the receipt window of a genesis that sets none,
// in seconds.
const DefaultReceiptWindow = 3600

// MinReceiptWindow is the shortest receipt window a genesis may set, in
// seconds: twice the 5-minute skew a worker allows a signed request.
const MinReceiptWindow = 600

func (p Params) receiptWindowMillis() int64 { return int64(p.ReceiptWindow) * 1000 }

// withDefaults fills what a genesis may leave at 0: the receipt window,
// the receipt bounds and the hold duration.
func (p Params) withDefaults() Params {
	d := DefaultParams()
	if p.ReceiptWindow == 0 {
		p.ReceiptWindow = d.ReceiptWindow
	}
	if p.MaxReceiptTokens == 0 {
		p.MaxReceiptTokens = d.MaxReceiptTokens
	}
	if p.MaxReceiptRequests == 0 {
		p.MaxReceiptRequests = d.MaxReceiptRequests
	}
	if p.HoldBlocks == 0 {
		p.HoldBlocks = d.HoldBlocks
	}
	return p
}

// DefaultParams are the parameters of a genesis that names none.
func DefaultParams() Params {
	return Params{
		CallFee: pha.Units(1_000_000_000), TokenFee: pha.Units(100_000_000), RequestFee: pha.Units(100_000_000),
		TreasuryBps: 2000, MaxSecrets: 8 << 10, ReceiptWindow: DefaultReceiptWindow,
		MaxReceiptTokens: 1_000_000, MaxReceiptRequests: 1_000, HoldBlocks: 100,
	}
}

// EscrowAccount holds every caller's prepaid funds.
var EscrowAccount = address.Module("agent_escrow")

// Pools is what the agents module needs of stake pools: the pool a worker
// is in, and paying a pool a reward from an account. The stakepool module
// implements it; it is what the contracts module needs of them too.
type Pools = contracts.Pools

// validate checks a policy's form.
func (p Policy) validate() error {
	switch p.Kind {
	case PolicyOwner, PolicyPublic:
		if len(p.Allow) != 0 || len(p.Contract) != 0 {
			return fmt.Errorf("%w: %s takes no allow list or contract", ErrBadPolicy, p.Kind)
		}
	case PolicyAllowList:
		if len(p.Allow) == 0 || len(p.Allow) > 256 {
			return fmt.Errorf("%w: an allow list needs 1 to 256 accounts", ErrBadPolicy)
		}
	case PolicyContract:
		if len(p.Contract) != 32 {
			return fmt.Errorf("%w: a contract policy names a 32-byte contract id", ErrBadPolicy)
		}
	default:
		return fmt.Errorf("%w: kind %q, want owner, allowlist, public or contract", ErrBadPolicy, p.Kind)
	}
	return nil
}

// Allows reports whether the policy lets caller call an agent owned by
// owner; a contract policy needs its contract asked and is false here.
func (p Policy) Allows(owner, caller address.Address) bool {
	if caller == owner {
		return true
	}
	switch p.Kind {
	case PolicyPublic:
		return true
	case PolicyAllowList:
		for _, a := range p.Allow {
			if a == caller {
				return true
			}
		}
	}
	return false
}
