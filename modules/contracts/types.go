// Package contracts is the chain side of confidential contracts: the code
// store, contract records and their public keys, the ordered input of each
// contract (its constructor, encrypted commands and upgrades), the results
// that replicas post back, and the state roots they report so a diverging
// replica is caught. The chain never sees a plaintext command, output or
// state value; it orders ciphertext and checks signatures.
package contracts

import (
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "contracts"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the contracts module.
var (
	ErrCodeTooLarge    = abcierr.Register(Codespace, 2, "code exceeds the size limit")
	ErrUnknownCode     = abcierr.Register(Codespace, 3, "unknown code hash")
	ErrUnknownCluster  = abcierr.Register(Codespace, 4, "unknown cluster")
	ErrUnknownContract = abcierr.Register(Codespace, 5, "unknown contract")
	ErrNotOwner        = abcierr.Register(Codespace, 6, "sender does not own the contract")
	ErrNotUpgradable   = abcierr.Register(Codespace, 7, "contract was instantiated without upgrades")
	ErrNoKeys          = abcierr.Register(Codespace, 8, "contract keys of the cluster's current epoch are not published yet; retry in a few blocks")
	ErrWrongRecipient  = abcierr.Register(Codespace, 9, "command is not encrypted to the contract's current key")
	ErrWrongSender     = abcierr.Register(Codespace, 10, "command envelope names another sender")
	ErrReplayedCommand = abcierr.Register(Codespace, 11, "command envelope was already submitted")
	ErrBadEnvelope     = abcierr.Register(Codespace, 12, "command is not a valid envelope")
	ErrTooLarge        = abcierr.Register(Codespace, 13, "input exceeds the size limit")
	ErrBadKeyProof     = abcierr.Register(Codespace, 15, "contract keys are not signed by the cluster key")
	ErrNotMember       = abcierr.Register(Codespace, 16, "worker is not a member of the contract's cluster")
	ErrBadResult       = abcierr.Register(Codespace, 17, "result does not match the input it answers")
	ErrGasLimit        = abcierr.Register(Codespace, 18, "gas limit above the chain's per-command limit")
	ErrInvalidArgs     = abcierr.Register(Codespace, 19, "constructor arguments are not JSON")
	ErrEpochBehind     = abcierr.Register(Codespace, 20, "keys are for an old cluster epoch")
	ErrNotContract     = abcierr.Register(Codespace, 21, "the id names an agent, not a contract; use the agents commands")
	ErrUploadRefused   = abcierr.Register(Codespace, 22, "code chunk refused")
	// ErrCommandExpired: the envelope's expiry height has passed, so its
	// seen record may be pruned and it can never run.
	ErrCommandExpired = abcierr.Register(Codespace, 40, "command envelope expired")
	ErrBadExpiry      = abcierr.Register(Codespace, 41, "command envelope has no expiry height within the command window")
)

// Kinds of keyed instances.
const (
	KindContract = "contract"
	KindAgent    = "agent"
)

// Hex is a byte string that reads and writes as hex in JSON.
type Hex = keys.Hex

// Contract is the chain's record of a contract instance.
type Contract struct {
	ID Hex `json:"id"`
	// Kind is KindContract, or the kind of another module's keyed
	// instance (KindAgent), which has keys and code but no ordered input.
	Kind       string          `json:"kind"`
	Owner      address.Address `json:"owner"`
	Cluster    Hex             `json:"cluster"`
	Code       Hex             `json:"code_hash"`
	Upgradable bool            `json:"upgradable"`
	// Versions lists each code the contract ran, from the input sequence
	// where it took effect.
	Versions []Version `json:"versions"`
	// KeyEpoch is the cluster epoch the published keys derive from; when
	// the cluster moves to a new epoch the keys are stale until a member
	// publishes the new ones, and commands wait.
	KeyEpoch uint64 `json:"key_epoch"`
	SignKey  Hex    `json:"sign_pubkey,omitempty"`
	ECDHKey  Hex    `json:"ecdh_pubkey,omitempty"`
	// Inputs counts the inputs queued (constructor, commands, upgrades);
	// Results counts those answered.
	Inputs uint64 `json:"inputs"`
	// CreatedEpoch is the cluster epoch at instantiation; replicas derive
	// the contract's state-root key from its contract key, so the root
	// does not change with later epochs.
	CreatedEpoch uint64 `json:"created_epoch"`
	Results      uint64 `json:"results"`
	Created      int64  `json:"created_height"`
}

// Version is one code of a contract's history.
type Version struct {
	Code      Hex    `json:"code_hash"`
	FromInput uint64 `json:"from_input"`
	Height    int64  `json:"height"`
}

// Code is a stored code blob's public record.
type Code struct {
	Hash     Hex             `json:"hash"`
	Size     int             `json:"size"`
	Uploader address.Address `json:"uploader"`
	Height   int64           `json:"height"`
}

// Result is a replica's answer to one input, as the chain keeps it. The
// output is sealed to the caller; the chain learns only the status.
type Result struct {
	Input  uint64 `json:"input"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Output Hex    `json:"output,omitempty"`
	Gas    uint64 `json:"gas_used"`
	Height int64  `json:"height"`
}

// RootReport is what the chain tallied for one contract at one input: the
// state roots workers reported and the majority, once there is one.
type RootReport struct {
	Input    uint64     `json:"input"`
	Votes    []RootVote `json:"votes"`
	Majority Hex        `json:"majority,omitempty"`
	Diverged []Hex      `json:"diverged"`
}

// RootVote is one worker's reported state root.
type RootVote struct {
	Worker Hex `json:"worker"`
	Root   Hex `json:"root"`
}

// Params are the module's genesis parameters.
type Params struct {
	// MaxCodeSize bounds an uploaded code blob in bytes.
	MaxCodeSize int `json:"max_code_size"`
	// MaxInputSize bounds an encrypted command or constructor arguments.
	MaxInputSize int `json:"max_input_size"`
	// CommandGas is the most gas one command may use; a command may ask
	// for less.
	CommandGas uint64 `json:"command_gas"`
	// CommandFee is what a command pays, besides its transaction fee, for
	// the replicas' work: held until a majority of the cluster agrees on
	// the state after it, then FeeTreasuryBps to the treasury and the rest
	// in equal parts to the stake pools (or operators) of the replicas in
	// that majority.
	CommandFee     pha.Amount `json:"command_fee"`
	FeeTreasuryBps uint64     `json:"fee_treasury_bps"`
	// FeeRefundBlocks: a command fee still held this many blocks after
	// its command (no root majority for its input) goes back to the
	// sender.
	FeeRefundBlocks int64 `json:"fee_refund_blocks"`
	// UploadWindowBlocks is how long a chunked upload (MsgUploadChunk) may
	// take from its first chunk; an upload not complete by then is deleted
	// in EndBlock. 0 means DefaultUploadWindowBlocks.
	UploadWindowBlocks int64 `json:"upload_window_blocks,omitempty"`
	// CommandWindowBlocks bounds a command envelope's expiry height: at
	// most this many blocks after the block that queues it, so a seen
	// record lives at most this long. 0 means DefaultCommandWindowBlocks.
	CommandWindowBlocks int64 `json:"command_window_blocks,omitempty"`
	// RetainResultBlocks is how long an input's result, its input message
	// and its root tally stay on chain after the result lands; the tally
	// of the latest root majority stays until a newer one forms. 0 means
	// DefaultRetainResultBlocks.
	RetainResultBlocks int64 `json:"retain_result_blocks,omitempty"`
}

// Defaults of the windows that params leave at 0.
const (
	DefaultCommandWindowBlocks = 600
	DefaultRetainResultBlocks  = 1200
)

// CommandWindow is the command window in blocks: the furthest expiry a
// command envelope may name, counted from the block that queues it.
func (p Params) CommandWindow() int64 {
	if p.CommandWindowBlocks <= 0 {
		return DefaultCommandWindowBlocks
	}
	return p.CommandWindowBlocks
}

// retainResults is the result retention window in blocks.
func (p Params) retainResults() int64 {
	if p.RetainResultBlocks <= 0 {
		return DefaultRetainResultBlocks
	}
	return p.RetainResultBlocks
}

// DefaultUploadWindowBlocks is the upload window of params that name none.
const DefaultUploadWindowBlocks = 600

// uploadWindow is the upload window in blocks.
func (p Params) uploadWindow() int64 {
	if p.UploadWindowBlocks <= 0 {
		return DefaultUploadWindowBlocks
	}
	return p.UploadWindowBlocks
}

// Upload is a chunked code upload in progress: one per uploader account.
// Its chunks are stored apart (uploadChunkKey) so that each transaction
// writes only its own chunk.
type Upload struct {
	// Hash is the SHA-256 the complete code must have.
	Hash Hex `json:"hash"`
	// Total is the code's size in bytes.
	Total uint64 `json:"total"`
	// Received counts the bytes stored so far; the next chunk starts there.
	Received uint64 `json:"received"`
	// Chunks counts the chunks stored so far.
	Chunks uint32 `json:"chunks"`
	// Expires is the height whose EndBlock deletes the upload if it is
	// still incomplete.
	Expires int64 `json:"expires"`
}

// DefaultParams are the parameters of a genesis that names none.
func DefaultParams() Params {
	return Params{MaxCodeSize: 8 << 20, MaxInputSize: 16 << 10, CommandGas: 10_000_000, CommandFee: pha.Units(1_000_000_000), FeeTreasuryBps: 2000, FeeRefundBlocks: 600}
}

// Divergence is a worker the chain caught with a state root that
// disagrees with the majority of its cluster.
type Divergence struct {
	Worker Hex    `json:"worker"`
	Input  uint64 `json:"input"`
	Height int64  `json:"height"`
}

// FeeAccount holds command fees until the replicas that earned them are
// known.
var FeeAccount = address.Module("contract_fees")

// Pools are the stake pools that receive the replicas' share of command
// fees (the stakepool module).
type Pools interface {
	WorkerPool(kv state.KV, w registry.WorkerID) (uint64, bool)
	PayReward(ctx *module.Context, from address.Address, pool uint64, amount pha.Amount) error
}

// ContractOrigin is a contract as an mq origin.
func ContractOrigin(id [32]byte) mq.Origin { return mq.Origin{Kind: mq.OriginContract, ID: id} }
