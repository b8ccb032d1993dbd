package contracts

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
)

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
	// number, a status byte, an error text or the output sealed to the
	// caller, the gas used.
	TopicResult = "contracts/result"
	// TopicPubKey (worker origin): contract id, cluster epoch, ed25519 and
	// X25519 public keys, and a signature by the cluster key of that epoch
	// over PubKeySignBytes.
	TopicPubKey = "contracts/pubkey"
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
		w.VarBytes(p.Output)
	} else {
		w.Byte(statusError)
		w.String(p.Error)
	}
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
		p.Output = append([]byte(nil), r.VarBytes(MaxOutputLen)...)
	case statusError:
		p.Error = r.String(MaxErrorLen)
	default:
		r.Fail("unknown result status")
	}
	p.Gas = r.Uvarint()
	if err := r.Done(); err != nil {
		return ResultPayload{}, fmt.Errorf("contract result: %w", err)
	}
	return p, nil
}

// PubKeySignBytes is what a cluster member signs with the cluster key to
// publish a contract's keys for an epoch: only a holder of the cluster key
// can derive the contract key, so only one can sign.
func PubKeySignBytes(chainID string, contract [32]byte, epoch uint64, sign, ecdhKey []byte) []byte {
	w := wire.NewWriter(160)
	w.Raw([]byte("phala/contracts/pubkey/v1\x00"))
	w.String(chainID)
	w.Raw(contract[:])
	w.Uvarint(epoch)
	w.Raw(sign)
	w.Raw(ecdhKey)
	return w.Bytes()
}
