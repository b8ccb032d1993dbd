package pruntime

import (
	"context"
	"math/big"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
)

// EVMRequest is an anchor's request as the host read it (untrusted input).
type EVMRequest = agenthost.EVMRequest

// EVMAnswer is an agent's answer signed with its EVM answer key.
type EVMAnswer = agenthost.EVMAnswer

// EVMAuthorization is the master EVM key's consent to an answer key.
type EVMAuthorization = gatekeeper.EVMAuthorization

// AnswerEVM runs an agent on an EVM request and signs its answer with
// the agent's answer key (docs/evm.md).
func (e *Enclave) AnswerEVM(ctx context.Context, src chainsync.Source, r EVMRequest) (EVMAnswer, error) {
	return e.agents.AnswerEVM(ctx, src, r)
}

// EVMAnswerKey is the address of the agent's answer key this member holds.
func (e *Enclave) EVMAnswerKey(ctx context.Context, src chainsync.Source, agent [32]byte) ([20]byte, error) {
	return e.agents.EVMAnswerKey(ctx, src, agent)
}

// EVMMasterAddress is, on a gatekeeper, the address of the master EVM key
// of generation gen.
func (e *Enclave) EVMMasterAddress(gen uint64) ([20]byte, error) {
	return e.gatekeeper.EVMMasterAddress(gen)
}

// AuthorizeEVMAnswerKey is, on a gatekeeper, the master EVM key's
// authorization of the agent's current answer key on anchor.
func (e *Enclave) AuthorizeEVMAnswerKey(ctx context.Context, src chainsync.Source, chainID *big.Int, anchor [20]byte, agent [32]byte) (EVMAuthorization, error) {
	return e.gatekeeper.AuthorizeEVMAnswerKey(ctx, src, chainID, anchor, agent)
}

// SignEVMRotation is, on a gatekeeper, the hand-over of anchor to the
// master EVM key of generation nextGen.
func (e *Enclave) SignEVMRotation(chainID *big.Int, anchor [20]byte, nextGen uint64) ([20]byte, []byte, error) {
	return e.gatekeeper.SignEVMRotation(chainID, anchor, nextGen)
}
