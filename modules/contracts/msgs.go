package contracts

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
)

// Message types of the contracts module.
const (
	TypeUpload      = "contracts/upload"
	TypeInstantiate = "contracts/instantiate"
	TypeExec        = "contracts/exec"
	TypeUpgrade     = "contracts/upgrade"
	TypeUploadChunk = "contracts/upload_chunk"
)

// decodeLimit bounds variable fields while decoding, before any genesis
// parameter applies; the transaction size bound is the real one.
const decodeLimit = tx.MaxDecodeSize

// MsgUpload stores a code blob (one bundled ES module) under its SHA-256.
type MsgUpload struct {
	Code []byte
}

// Type implements tx.Msg.
func (*MsgUpload) Type() string { return TypeUpload }

// Encode implements tx.Msg.
func (m *MsgUpload) Encode(w *wire.Writer) { w.VarBytes(m.Code) }

// ValidateBasic implements tx.Msg.
func (m *MsgUpload) ValidateBasic() error {
	return nonEmpty(m.Code, "code")
}

// MsgUploadChunk stores code too large for one transaction, in order, one
// chunk per message: the first (Offset 0) starts the sender's upload of the
// code whose SHA-256 is Hash and whose size is Total (replacing any upload
// of theirs in progress); each next chunk starts where the last ended; the
// last one stores the code once its hash is right. An upload not complete
// within the upload window is deleted.
type MsgUploadChunk struct {
	Hash   [32]byte
	Total  uint64
	Offset uint64
	Chunk  []byte
}

// Type implements tx.Msg.
func (*MsgUploadChunk) Type() string { return TypeUploadChunk }

// Encode implements tx.Msg.
func (m *MsgUploadChunk) Encode(w *wire.Writer) {
	w.Raw(m.Hash[:])
	w.Uvarint(m.Total)
	w.Uvarint(m.Offset)
	w.VarBytes(m.Chunk)
}

// ValidateBasic implements tx.Msg.
func (m *MsgUploadChunk) ValidateBasic() error {
	if err := nonEmpty(m.Chunk, "chunk"); err != nil {
		return err
	}
	if m.Offset >= m.Total || uint64(len(m.Chunk)) > m.Total-m.Offset {
		return fmt.Errorf("%w: chunk of %d bytes at offset %d overruns the code's %d bytes", tx.ErrMalformed, len(m.Chunk), m.Offset, m.Total)
	}
	return nil
}

// nonEmpty refuses an empty variable field of a message.
func nonEmpty(b []byte, what string) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty %s", tx.ErrMalformed, what)
	}
	return nil
}

// MsgInstantiate creates a contract from stored code in a cluster; the
// constructor runs with Args (plaintext JSON, public on chain) as input 0.
type MsgInstantiate struct {
	Code       [32]byte
	Cluster    [32]byte
	Args       []byte
	Upgradable bool
	Gas        uint64
}

// Type implements tx.Msg.
func (*MsgInstantiate) Type() string { return TypeInstantiate }

// Encode implements tx.Msg.
func (m *MsgInstantiate) Encode(w *wire.Writer) {
	w.Raw(m.Code[:])
	w.Raw(m.Cluster[:])
	w.VarBytes(m.Args)
	w.Bool(m.Upgradable)
	w.Uvarint(m.Gas)
}

// ValidateBasic implements tx.Msg.
func (m *MsgInstantiate) ValidateBasic() error { return nil }

// MsgExec queues a command sealed to the contract's key.
type MsgExec struct {
	Contract [32]byte
	// Envelope is an encoded crypto/envelope sealed to the contract's
	// X25519 key with purpose contract-command and CommandSender (the
	// sender's address and the command's expiry height) as the envelope
	// sender.
	Envelope []byte
	// Gas is this command's limit; 0 means the chain's limit.
	Gas uint64
}

// Type implements tx.Msg.
func (*MsgExec) Type() string { return TypeExec }

// Encode implements tx.Msg.
func (m *MsgExec) Encode(w *wire.Writer) {
	w.Raw(m.Contract[:])
	w.VarBytes(m.Envelope)
	w.Uvarint(m.Gas)
}

// ValidateBasic implements tx.Msg.
func (m *MsgExec) ValidateBasic() error {
	return nonEmpty(m.Envelope, "command")
}

// CommandSender is the envelope sender of a command: the sender's address
// then the last height (8 bytes BE) at which the chain may queue it. The
// expiry is in the envelope's authenticated header, so a host that edits
// it to replay an expired command makes the enclave's Open fail.
func CommandSender(sender address.Address, expires int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), sender[:]...), uint64(expires))
}

// ParseCommandSender splits what CommandSender made.
func ParseCommandSender(b []byte) (address.Address, int64, error) {
	if len(b) != address.Size+8 {
		return address.Address{}, 0, fmt.Errorf("%w: envelope sender of %d bytes, want the address and an 8-byte expiry height (%d bytes)", ErrBadExpiry, len(b), address.Size+8)
	}
	return address.Address(b[:address.Size]), int64(binary.BigEndian.Uint64(b[address.Size:])), nil
}

// MsgUpgrade switches an upgradable contract to other stored code; the
// switch is an input, so it lands between commands in block order.
type MsgUpgrade struct {
	Contract [32]byte
	Code     [32]byte
}

// Type implements tx.Msg.
func (*MsgUpgrade) Type() string { return TypeUpgrade }

// Encode implements tx.Msg.
func (m *MsgUpgrade) Encode(w *wire.Writer) {
	w.Raw(m.Contract[:])
	w.Raw(m.Code[:])
}

// ValidateBasic implements tx.Msg.
func (*MsgUpgrade) ValidateBasic() error { return nil }

func varBytes(r *wire.Reader) []byte { return append([]byte(nil), r.VarBytes(decodeLimit)...) }

func decodeUpload(r *wire.Reader) tx.Msg { return &MsgUpload{Code: varBytes(r)} }

func decodeUploadChunk(r *wire.Reader) tx.Msg {
	return &MsgUploadChunk{Hash: r.Bytes32(), Total: r.Uvarint(), Offset: r.Uvarint(), Chunk: varBytes(r)}
}

func decodeInstantiate(r *wire.Reader) tx.Msg {
	return &MsgInstantiate{Code: r.Bytes32(), Cluster: r.Bytes32(), Args: varBytes(r), Upgradable: r.Bool(), Gas: r.Uvarint()}
}

func decodeExec(r *wire.Reader) tx.Msg {
	return &MsgExec{Contract: r.Bytes32(), Envelope: varBytes(r), Gas: r.Uvarint()}
}

func decodeUpgrade(r *wire.Reader) tx.Msg {
	return &MsgUpgrade{Contract: r.Bytes32(), Code: r.Bytes32()}
}

// TopicInput is the topic of every input the chain queues for a contract
// (mq egress to the contract's origin); the egress sequence is the input's
// number, and the result that answers it takes the same number in the
// contract's own mq sequence.
const TopicInput = "contracts/input"

// InputKind says what an input asks the contract to do.
type InputKind uint8

// Input kinds.
const (
	// InputInit runs the constructor with plaintext JSON arguments.
	InputInit InputKind = 1
	// InputCommand runs a command sealed to the contract key.
	InputCommand InputKind = 2
	// InputUpgrade switches the contract to new code from here on.
	InputUpgrade InputKind = 3
)

// Input is one entry of a contract's ordered input.
type Input struct {
	Kind       InputKind
	Height     int64
	TimeMillis int64
	Sender     address.Address
	// Gas is the limit for this input.
	Gas uint64
	// Body is the constructor's JSON arguments, the command envelope, or
	// the new code hash.
	Body []byte
}

// Encode writes the canonical encoding.
func (in *Input) Encode() []byte {
	w := wire.NewWriter(64 + len(in.Body))
	w.Byte(byte(in.Kind))
	w.Uvarint(uint64(in.Height))
	w.Uvarint(uint64(in.TimeMillis))
	w.Address(in.Sender)
	w.Uvarint(in.Gas)
	w.VarBytes(in.Body)
	return w.Bytes()
}

// DecodeInput reads an encoded Input.
func DecodeInput(b []byte) (Input, error) {
	r := wire.NewReader(b)
	in := Input{Kind: InputKind(r.Byte())}
	in.Height = int64(r.Uvarint())
	in.TimeMillis = int64(r.Uvarint())
	in.Sender = r.Address()
	in.Gas = r.Uvarint()
	in.Body = append([]byte(nil), r.VarBytes(1<<20)...)
	if err := r.Done(); err != nil {
		return Input{}, fmt.Errorf("contract input: %w", err)
	}
	if in.Kind < InputInit || in.Kind > InputUpgrade {
		return Input{}, fmt.Errorf("contract input: unknown kind %d", in.Kind)
	}
	return in, nil
}

// Result statuses as a replica encodes them.
const (
	statusOK    = 0
	statusError = 1
)

// Topics of messages replicas post.
const (
	// TopicResult (contract origin, sequence = input number): the input
	// number, a status byte, on failure the error category, the output
	// sealed to the caller (on failure: the script's own message), the gas
	// used.
	TopicResult = "contracts/result"
	// TopicPubKeys (worker origin): a cluster id, its epoch, a count, then
	// per contract its id, ed25519 and X25519 public keys; last a signature
	// by the cluster key of that epoch over PubKeysSignBytes. Only a holder
	// of the cluster key can derive contract keys, so only one can sign.
	TopicPubKeys = "contracts/pubkeys"
	// TopicRoot (worker origin): contract id, input number, state root
	// after executing inputs up to and including that one.
	TopicRoot = "contracts/root"
)

// ResultPayload is the body of a TopicResult message.
type ResultPayload struct {
	Input  uint64
	OK     bool
	Error  string
	Output []byte
	Gas    uint64
}

// Bounds of result payloads.
const (
	MaxErrorLen  = 512
	MaxOutputLen = 24 << 10
)

// Encode writes the canonical encoding.
func (p *ResultPayload) Encode() []byte {
	w := wire.NewWriter(32 + len(p.Error) + len(p.Output))
	w.Uvarint(p.Input)
	if p.OK {
		w.Byte(statusOK)
	} else {
		w.Byte(statusError)
		w.String(p.Error)
	}
	w.VarBytes(p.Output)
	w.Uvarint(p.Gas)
	return w.Bytes()
}

// DecodeResult reads a ResultPayload.
func DecodeResult(b []byte) (ResultPayload, error) {
	r := wire.NewReader(b)
	p := ResultPayload{Input: r.Uvarint()}
	switch r.Byte() {
	case statusOK:
		p.OK = true
	case statusError:
		p.Error = r.String(MaxErrorLen)
	default:
		r.Fail("unknown result status")
	}
	p.Output = append([]byte(nil), r.VarBytes(MaxOutputLen)...)
	p.Gas = r.Uvarint()
	if err := r.Done(); err != nil {
		return ResultPayload{}, fmt.Errorf("contract result: %w", err)
	}
	return p, nil
}

// PubKeyEntry is one contract's public keys in a TopicPubKeys message.
type PubKeyEntry struct {
	Contract [32]byte
	Sign     [32]byte
	ECDH     [32]byte
}

// pubKeyEntrySize is the encoded size of a PubKeyEntry.
const pubKeyEntrySize = 96

// MaxPubKeyEntries is how many contracts one TopicPubKeys message carries.
const MaxPubKeyEntries = 300

// PubKeysPayload is the body of a TopicPubKeys message.
type PubKeysPayload struct {
	Cluster   [32]byte
	Epoch     uint64
	Entries   []PubKeyEntry
	Signature []byte
}

func (p *PubKeysPayload) body() []byte {
	w := wire.NewWriter(48 + pubKeyEntrySize*len(p.Entries))
	w.Raw(p.Cluster[:])
	w.Uvarint(p.Epoch)
	w.Uvarint(uint64(len(p.Entries)))
	for _, e := range p.Entries {
		w.Raw(e.Contract[:])
		w.Raw(e.Sign[:])
		w.Raw(e.ECDH[:])
	}
	return w.Bytes()
}

// SignBytes is what the cluster key signs.
func (p *PubKeysPayload) SignBytes(chainID string) []byte {
	w := wire.NewWriter(64 + pubKeyEntrySize*len(p.Entries))
	w.Raw([]byte("phala/contracts/pubkeys/v1\x00"))
	w.String(chainID)
	w.Raw(p.body())
	return w.Bytes()
}

// Encode writes the canonical encoding.
func (p *PubKeysPayload) Encode() []byte { return append(p.body(), p.Signature...) }

// DecodePubKeys reads a PubKeysPayload.
func DecodePubKeys(b []byte) (PubKeysPayload, error) {
	r := wire.NewReader(b)
	var p PubKeysPayload
	copy(p.Cluster[:], r.Raw(32))
	p.Epoch = r.Uvarint()
	n := r.Uvarint()
	if r.Err() == nil && (n == 0 || n > MaxPubKeyEntries) {
		r.Fail("%d entries, want 1 to %d", n, MaxPubKeyEntries)
	}
	for i := uint64(0); r.Err() == nil && i < n; i++ {
		var e PubKeyEntry
		copy(e.Contract[:], r.Raw(32))
		copy(e.Sign[:], r.Raw(32))
		copy(e.ECDH[:], r.Raw(32))
		p.Entries = append(p.Entries, e)
	}
	p.Signature = append([]byte(nil), r.Raw(64)...)
	if err := r.Done(); err != nil {
		return PubKeysPayload{}, fmt.Errorf("contract keys: %w", err)
	}
	return p, nil
}

// TopicActivity (chain to the cluster origin): the id of a contract of the
// cluster that got an input or new keys. Replicas follow this queue, with
// proofs, instead of re-reading every contract record on every block.
const TopicActivity = "contracts/activity"

// rootReport is the body of a TopicRoot message.
type rootReport struct {
	contract [32]byte
	input    uint64
	root     []byte
}

func decodeRootReport(b []byte) (rootReport, error) {
	r := wire.NewReader(b)
	p := rootReport{contract: r.Bytes32(), input: r.Uvarint(), root: r.Raw(32)}
	return p, r.Done()
}
