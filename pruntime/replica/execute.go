package replica

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/sandbox"
)

// execute runs one input against the replica's state and returns the
// result; a failed input leaves the state as it was.
func (r *Replica) execute(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, in *instance, input contracts.Input, seq uint64) contracts.ResultPayload {
	id := [32]byte(rec.ID)
	fail := func(category string, reply []byte, detail error) contracts.ResultPayload {
		p := contracts.ResultPayload{Input: seq, Error: category}
		if reply != nil && detail != nil {
			p.Output, _ = contractio.SealOutput(reply, id, seq, contractio.Output{Error: truncate(detail.Error(), 2048)})
		}
		return p
	}
	info := callInfo{Contract: hex.EncodeToString(id[:]), Caller: input.Sender.String(), Height: input.Height, Time: input.TimeMillis, Input: seq}
	m := hmac.New(sha256.New, in.rec.RootKey)
	m.Write(binary.BigEndian.AppendUint64([]byte("phala/contract-random/v1\x00"), seq))
	det := &sandbox.Determinism{TimeMillis: input.TimeMillis, Seed: [32]byte(m.Sum(nil))}

	fn, arg := callHandle, any(nil)
	var reply []byte
	switch input.Kind {
	case contracts.InputUpgrade:
		if len(input.Body) != 32 {
			return fail("malformed input", nil, nil)
		}
		in.rec.Code = append(keys.Hex(nil), input.Body...)
		fn = callMigrate
	case contracts.InputInit:
		fn, arg = callInit, json.RawMessage(input.Body)
	case contracts.InputCommand:
		cmd, err := r.openCommand(c, rec, input.Body)
		if err != nil {
			return fail("undecryptable command", nil, nil)
		}
		reply, arg = cmd.ReplyKey, cmd.Payload
	}
	prog, err := r.program(ctx, src, [32]byte(in.rec.Code))
	if err != nil {
		return fail(errorCategory(err), reply, err)
	}
	st := in.state.Clone()
	res, events, err := contractCall(ctx, prog, fn, info, arg, st, false, det, input.Gas)
	if err != nil {
		return fail(errorCategory(err), reply, err)
	}
	p := contracts.ResultPayload{Input: seq, OK: true, Gas: res.GasUsed}
	if reply != nil {
		out, err := contractio.SealOutput(reply, id, seq, contractio.Output{Value: res.Value, Events: events})
		if err != nil || len(out) > contracts.MaxOutputLen {
			return fail("output too large", nil, nil)
		}
		p.Output = out
	}
	in.state = st
	return p
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// openCommand opens a command envelope with the contract key of whichever
// epoch it was sealed to (the chain accepted it for the then current one).
func (r *Replica) openCommand(c clusters.Cluster, rec contracts.Contract, body []byte) (contractio.Command, error) {
	env, err := envelope.Decode(body)
	if err != nil {
		return contractio.Command{}, err
	}
	for ep := rec.KeyEpoch + 1; ep > 0; ep-- {
		k, ok, err := r.core.ContractKey([32]byte(c.ID), [32]byte(rec.ID), ep-1)
		if err != nil || !ok || !bytes.Equal(k.Pairs.ECDH.PublicKey().Bytes(), env.Recipient[:]) {
			continue
		}
		plain, err := envelope.Open(k.Pairs.ECDH, envelope.PurposeContractCommand, env)
		if err != nil {
			return contractio.Command{}, err
		}
		return contractio.DecodeCommand(plain)
	}
	return contractio.Command{}, errors.New("no contract key of this worker opens the command")
}

// program returns the compiled code of a hash, read from the chain with a
// proof and checked against the hash. Callers hold r.mu.
func (r *Replica) program(ctx context.Context, src chainsync.Source, hash [32]byte) (*sandbox.Program, error) {
	if p, ok := r.programs[hash]; ok {
		return p, nil
	}
	code, _, err := r.core.Cached(ctx, src, contracts.CodeKey(hash))
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(code) != hash {
		return nil, fmt.Errorf("%w: code %x is not on chain", sandbox.ErrCompile, hash)
	}
	p, err := compileContract(code)
	if err != nil {
		return nil, err
	}
	r.programs[hash] = p
	return p, nil
}
