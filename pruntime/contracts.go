package pruntime

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/hkdf"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/sandbox"
)

// Derivation labels below the contract key (through the provider's
// DeriveLabel, so sim keys differ).
const (
	labelContractState = "phala/contract_state"
	labelContractRoot  = "phala/contract_root"
)

// inputsPerStep bounds the inputs one contract runs per worker step, so a
// backlog cannot starve the other contracts.
const inputsPerStep = 64

// contractRecord is a replica's sealed record of one contract.
type contractRecord struct {
	ID        keys.Hex `json:"id"`
	Cluster   keys.Hex `json:"cluster"`
	NextInput uint64   `json:"next_input"`
	// Epoch is the cluster epoch whose contract key seals Entries.
	Epoch   uint64   `json:"epoch"`
	Code    keys.Hex `json:"code"`
	RootKey []byte   `json:"root_key"`
	Entries [][]byte `json:"entries"`
	// Unposted are result payloads the chain does not have yet; they are
	// signed when sent, with whatever contract key is current then.
	Unposted []unposted `json:"unposted"`
}

type unposted struct {
	Input   uint64 `json:"input"`
	Payload []byte `json:"payload"`
}

// replica is a contract this worker runs: its record and its state.
type replica struct {
	rec   contractRecord
	state *contractstate.State
}

func contractEntryName(id [32]byte) string { return "contract/" + hex.EncodeToString(id[:]) }

// verifiedAt reads a state value at height h with a proof, through the
// per-height cache. The light client is safe for concurrent use, so reads
// do not hold e.mu: agent calls and the host loop read side by side.
func (e *Enclave) verifiedAt(ctx context.Context, src chainsync.Source, key []byte, h int64) ([]byte, error) {
	v, _, err := e.reads.load(ctx, key, h, func() ([]byte, int64, error) {
		v, err := e.sync.VerifiedStateAt(ctx, src, key, h)
		return v, h, err
	})
	return v, err
}

// verified reads a state value at the latest verified height.
func (e *Enclave) verified(ctx context.Context, src chainsync.Source, key []byte) ([]byte, int64, error) {
	return e.reads.load(ctx, key, e.sync.Height()-1, func() ([]byte, int64, error) {
		return e.sync.VerifiedState(ctx, src, key)
	})
}

// clusterSecret returns the cluster key of an epoch if this worker holds it.
func (e *Enclave) clusterSecret(cluster [32]byte, epoch uint64) (keyderive.Secret, bool, error) {
	recs, err := e.loadClusterKeys()
	if err != nil {
		return keyderive.Secret{}, false, err
	}
	for _, r := range recs {
		if [32]byte(r.Cluster) == cluster && r.Epoch == epoch {
			s, err := keyderive.NewSecret(r.Secret)
			return s, err == nil, err
		}
	}
	return keyderive.Secret{}, false, nil
}

// contractKeyOf derives a contract's key of a cluster epoch.
type contractKey struct {
	secret keyderive.Secret
	pairs  keyderive.KeyPair
}

func (e *Enclave) contractKeyOf(cluster, id [32]byte, epoch uint64) (contractKey, bool, error) {
	cs, ok, err := e.clusterSecret(cluster, epoch)
	if !ok || err != nil {
		return contractKey{}, false, err
	}
	s := keyderive.DeriveContractKey(cs, id[:], e.provider.DeriveLabel)
	p, err := keyderive.Pairs(s, e.provider.DeriveLabel)
	return contractKey{secret: s, pairs: p}, err == nil, err
}

func (e *Enclave) subKey(k contractKey, label string) []byte {
	out := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, k.secret.Bytes(), nil, []byte(e.provider.DeriveLabel(label))), out); err != nil {
		panic(err) // HKDF cannot fail for 32 bytes
	}
	return out
}

func sealAD(id [32]byte, epoch uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte("phala/contract-state/v1\x00"), id[:]...), epoch)
}

// loadReplica opens a contract's sealed record, or starts one.
func (e *Enclave) loadReplica(c contracts.Contract) (*replica, error) {
	id := [32]byte(c.ID)
	if r, ok := e.replicas[id]; ok {
		return r, nil
	}
	raw, err := e.store.Get(contractEntryName(id))
	if errors.Is(err, sealed.ErrNotFound) {
		r := &replica{rec: contractRecord{ID: c.ID, Cluster: c.Cluster, Epoch: c.KeyEpoch, Code: c.Versions[0].Code}, state: contractstate.New()}
		e.replicas[id] = r
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enclave: unseal contract %x: %w", id, err)
	}
	var rec contractRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("enclave: sealed contract %x unreadable: %w", id, err)
	}
	k, ok, err := e.contractKeyOf([32]byte(rec.Cluster), id, rec.Epoch)
	if err != nil || !ok {
		return nil, fmt.Errorf("enclave: contract %x state is sealed under epoch %d, whose key this worker lacks", id, rec.Epoch)
	}
	st, err := contractstate.Open(e.subKey(k, labelContractState), sealAD(id, rec.Epoch), rec.Entries)
	if err != nil {
		return nil, fmt.Errorf("enclave: contract %x: %w", id, err)
	}
	r := &replica{rec: rec, state: st}
	e.replicas[id] = r
	return r, nil
}

// saveReplica seals a contract's state under the contract key of epoch,
// re-keying it when the epoch moved.
func (e *Enclave) saveReplica(r *replica, epoch uint64) error {
	id := [32]byte(r.rec.ID)
	k, ok, err := e.contractKeyOf([32]byte(r.rec.Cluster), id, epoch)
	if err != nil || !ok {
		return fmt.Errorf("enclave: no contract key of epoch %d for %x", epoch, id)
	}
	entries, err := r.state.Seal(e.subKey(k, labelContractState), sealAD(id, epoch))
	if err != nil {
		return err
	}
	r.rec.Entries, r.rec.Epoch = entries, epoch
	raw, _ := json.Marshal(r.rec)
	return e.store.Put(contractEntryName(id), raw)
}

// clusterView is what a replica remembers of one cluster between steps:
// how far it read the cluster's activity queue and which contracts need a
// look, so a block with no activity costs one proof, not one per contract.
type clusterView struct {
	// activity is the next activity notice to read; valid once scanned.
	activity uint64
	scanned  bool
	// keyed are the contracts whose keys for epoch are published or posted.
	epoch uint64
	keyed map[[32]byte]bool
	// again are contracts to look at next step whatever the activity (a
	// backlog of inputs, keys not yet usable).
	again map[[32]byte]bool
}

// ContractStep runs this worker's part in its clusters' contracts: it
// publishes contract keys for the cluster's epoch when it is the member
// whose turn it is, runs new inputs in order, queues their results and
// reports the state root.
func (e *Enclave) ContractStep(ctx context.Context, src chainsync.Source) error {
	cs, err := e.readClusters(ctx, src)
	if err != nil {
		return err
	}
	me := [32]byte(e.ID())
	e.contractsMu.Lock()
	defer e.contractsMu.Unlock()
	for _, c := range cs {
		// Holding the epoch key is enough: the confirmation that lets the
		// chain know may land in the same block as the contract keys.
		if !c.IsMember(me) {
			continue
		}
		if _, held, err := e.clusterSecret([32]byte(c.ID), c.Epoch); err != nil || !held {
			if err != nil {
				return err
			}
			continue
		}
		if err := e.clusterContracts(ctx, src, c); err != nil {
			return fmt.Errorf("cluster %x: %w", []byte(c.ID), err)
		}
	}
	return nil
}

func (e *Enclave) clusterContracts(ctx context.Context, src chainsync.Source, c clusters.Cluster) error {
	cid := [32]byte(c.ID)
	v := e.clusterViews[cid]
	if v == nil || v.epoch != c.Epoch {
		v = &clusterView{epoch: c.Epoch, keyed: map[[32]byte]bool{}, again: map[[32]byte]bool{}}
		if old := e.clusterViews[cid]; old != nil {
			v.activity, v.scanned, v.again = old.activity, old.scanned, old.again
		}
		e.clusterViews[cid] = v
	}
	list, h, err := e.verified(ctx, src, contracts.ClusterContractsKey(cid))
	if err != nil {
		return err
	}
	ids := make([][32]byte, 0, len(list)/32)
	for i := 0; i+32 <= len(list); i += 32 {
		ids = append(ids, [32]byte(list[i:i+32]))
	}
	if err := e.publishContractKeys(ctx, src, c, v, ids, h); err != nil {
		return err
	}
	// Which contracts to look at: all of them on the first step, then the
	// ones the activity queue names, and those left over.
	look := map[[32]byte]bool{}
	origin := mq.Origin{Kind: mq.OriginCluster, ID: cid}
	if !v.scanned {
		raw, err := e.verifiedAt(ctx, src, mq.EgressKey(origin), h)
		if err != nil {
			return err
		}
		for _, id := range ids {
			look[id] = true
		}
		v.activity, v.scanned = 0, true
		if len(raw) == 8 {
			v.activity = binary.BigEndian.Uint64(raw)
		}
	} else {
		msgs, next, err := e.egress(ctx, src, origin, v.activity, 0)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Topic == contracts.TopicActivity && len(m.Payload) == 32 {
				look[[32]byte(m.Payload)] = true
			}
		}
		v.activity = next
	}
	for id := range v.again {
		look[id] = true
	}
	v.again = map[[32]byte]bool{}
	// Map order must not leak into anything the chain sees; the list order
	// is the chain's, so follow it.
	for _, id := range ids {
		if !look[id] {
			continue
		}
		b, _, err := e.verified(ctx, src, contracts.ContractKey(id))
		if err != nil || b == nil {
			v.again[id] = true
			return fmt.Errorf("enclave: contract %x: %v", id, err)
		}
		var rec contracts.Contract
		if err := json.Unmarshal(b, &rec); err != nil {
			return err
		}
		if rec.KeyEpoch != c.Epoch || len(rec.SignKey) == 0 {
			// Keys on their way, or a post of them that never landed: post
			// again when it is this member's turn and nothing is pending.
			v.keyed[id] = false
			v.again[id] = true
			continue
		}
		v.keyed[id] = true
		if rec.Kind == contracts.KindAgent {
			// Agents have no ordered input; their secrets follow the key.
			if err := e.resealAgentSecrets(ctx, src, c, rec, h); err != nil {
				v.again[id] = true
				return fmt.Errorf("agent %x: %w", id, err)
			}
			continue
		}
		more, err := e.runReplica(ctx, src, c, rec)
		if err != nil {
			v.again[id] = true
			return fmt.Errorf("contract %x: %w", id, err)
		}
		if more {
			v.again[id] = true
		}
	}
	return nil
}

// publishContractKeys posts, in batches, the public keys for the
// cluster's epoch of every contract not known to have them, signed once per
// batch by the cluster key. Members take turns every ten blocks so one
// that is down does not stall the contracts for long.
func (e *Enclave) publishContractKeys(ctx context.Context, src chainsync.Source, c clusters.Cluster, v *clusterView, ids [][32]byte, h int64) error {
	if len(c.SignKey) == 0 || len(c.Members) == 0 || [32]byte(c.Members[int(h/10)%len(c.Members)]) != [32]byte(e.ID()) {
		return nil
	}
	if e.hasPendingPrefix(contracts.TopicPubKeys, c.ID) {
		return nil
	}
	var need [][32]byte
	for _, id := range ids {
		if !v.keyed[id] {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	cs, ok, err := e.clusterSecret([32]byte(c.ID), c.Epoch)
	if err != nil || !ok {
		return err
	}
	cp, err := keyderive.Pairs(cs, e.provider.DeriveLabel)
	if err != nil {
		return err
	}
	for start := 0; start < len(need); start += contracts.MaxPubKeyEntries {
		p := contracts.PubKeysPayload{Cluster: [32]byte(c.ID), Epoch: c.Epoch}
		for _, id := range need[start:min(start+contracts.MaxPubKeyEntries, len(need))] {
			k, _, err := e.contractKeyOf([32]byte(c.ID), id, c.Epoch)
			if err != nil {
				return err
			}
			pub := k.pairs.Public()
			p.Entries = append(p.Entries, contracts.PubKeyEntry{Contract: id, Sign: [32]byte(pub.Sign), ECDH: [32]byte(pub.ECDH)})
			v.keyed[id] = true
		}
		p.Signature = ed25519.Sign(cp.Sign, p.SignBytes(e.chainID))
		if _, err := e.Post(ctx, src, contracts.TopicPubKeys, p.Encode()); err != nil {
			return err
		}
	}
	return nil
}

// runReplica runs a contract's new inputs and reports the state root. It
// reports whether inputs are left for another step.
func (e *Enclave) runReplica(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract) (bool, error) {
	id := [32]byte(rec.ID)
	cur, ok, err := e.contractKeyOf([32]byte(c.ID), id, rec.KeyEpoch)
	if err != nil || !ok {
		return false, err
	}
	if !bytes.Equal(cur.pairs.Public().Sign, rec.SignKey) {
		return false, fmt.Errorf("enclave: the chain's keys for epoch %d are not the ones this worker derives", rec.KeyEpoch)
	}
	r, err := e.loadReplica(rec)
	if err != nil {
		return false, err
	}
	if r.rec.NextInput >= rec.Inputs {
		if r.rec.Epoch != rec.KeyEpoch && r.rec.NextInput > 0 {
			return false, e.saveReplica(r, rec.KeyEpoch)
		}
		return false, nil
	}
	if r.rec.RootKey == nil {
		created, ok, err := e.contractKeyOf([32]byte(c.ID), id, rec.CreatedEpoch)
		if err != nil || !ok {
			return false, fmt.Errorf("enclave: contract %x was created under cluster epoch %d, whose key this worker lacks: it cannot replay the contract", id, rec.CreatedEpoch)
		}
		r.rec.RootKey = e.subKey(created, labelContractRoot)
	}
	msgs, _, err := e.egress(ctx, src, contracts.ContractOrigin(id), r.rec.NextInput, inputsPerStep)
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	for _, m := range msgs {
		seq := r.rec.NextInput
		in, err := contracts.DecodeInput(m.Payload)
		var p contracts.ResultPayload
		if err != nil {
			p = contracts.ResultPayload{Input: seq, Error: "malformed input"}
		} else {
			p = e.execute(ctx, src, c, rec, r, in, seq)
		}
		r.rec.Unposted = append(r.rec.Unposted, unposted{Input: seq, Payload: p.Encode()})
		r.rec.NextInput++
	}
	if err := e.saveReplica(r, rec.KeyEpoch); err != nil {
		return false, err
	}
	root := r.state.Root(r.rec.RootKey)
	w := wire.NewWriter(80)
	w.Raw(id[:])
	w.Uvarint(r.rec.NextInput - 1)
	w.Raw(root[:])
	_, err = e.Post(ctx, src, contracts.TopicRoot, w.Bytes())
	return r.rec.NextInput < rec.Inputs, err
}

// execute runs one input against the replica's state and returns the
// result; a failed input leaves the state as it was.
func (e *Enclave) execute(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, r *replica, in contracts.Input, seq uint64) contracts.ResultPayload {
	id := [32]byte(rec.ID)
	fail := func(category string, reply []byte, detail error) contracts.ResultPayload {
		p := contracts.ResultPayload{Input: seq, Error: category}
		if reply != nil && detail != nil {
			p.Output, _ = contractio.SealOutput(reply, id, seq, contractio.Output{Error: truncate(detail.Error(), 2048)})
		}
		return p
	}
	info := callInfo{Contract: hex.EncodeToString(id[:]), Caller: in.Sender.String(), Height: in.Height, Time: in.TimeMillis, Input: seq}
	m := hmac.New(sha256.New, r.rec.RootKey)
	m.Write(binary.BigEndian.AppendUint64([]byte("phala/contract-random/v1\x00"), seq))
	det := &sandbox.Determinism{TimeMillis: in.TimeMillis, Seed: [32]byte(m.Sum(nil))}

	fn, arg := callHandle, any(nil)
	var reply []byte
	switch in.Kind {
	case contracts.InputUpgrade:
		if len(in.Body) != 32 {
			return fail("malformed input", nil, nil)
		}
		r.rec.Code = append(keys.Hex(nil), in.Body...)
		fn = callMigrate
	case contracts.InputInit:
		fn, arg = callInit, json.RawMessage(in.Body)
	case contracts.InputCommand:
		cmd, err := e.openCommand(c, rec, in.Body)
		if err != nil {
			return fail("undecryptable command", nil, nil)
		}
		reply, arg = cmd.ReplyKey, cmd.Payload
	}
	prog, err := e.program(ctx, src, [32]byte(r.rec.Code))
	if err != nil {
		return fail(errorCategory(err), reply, err)
	}
	st := r.state.Clone()
	res, events, err := contractCall(ctx, prog, fn, info, arg, st, false, det, in.Gas)
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
	r.state = st
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
func (e *Enclave) openCommand(c clusters.Cluster, rec contracts.Contract, body []byte) (contractio.Command, error) {
	env, err := envelope.Decode(body)
	if err != nil {
		return contractio.Command{}, err
	}
	for ep := rec.KeyEpoch + 1; ep > 0; ep-- {
		k, ok, err := e.contractKeyOf([32]byte(c.ID), [32]byte(rec.ID), ep-1)
		if err != nil || !ok || !bytes.Equal(k.pairs.ECDH.PublicKey().Bytes(), env.Recipient[:]) {
			continue
		}
		plain, err := envelope.Open(k.pairs.ECDH, envelope.PurposeContractCommand, env)
		if err != nil {
			return contractio.Command{}, err
		}
		return contractio.DecodeCommand(plain)
	}
	return contractio.Command{}, errors.New("no contract key of this worker opens the command")
}

// program returns the compiled code of a hash, read from the chain with a
// proof and checked against the hash.
func (e *Enclave) program(ctx context.Context, src chainsync.Source, hash [32]byte) (*sandbox.Program, error) {
	if p, ok := e.programs[hash]; ok {
		return p, nil
	}
	code, _, err := e.verified(ctx, src, contracts.CodeKey(hash))
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
	e.programs[hash] = p
	return p, nil
}

// ContractResults returns the signed results the chain does not have yet,
// in input order per contract. Each is signed now with the contract's
// current key, so a result computed before an epoch change still lands.
func (e *Enclave) ContractResults(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	e.contractsMu.Lock()
	defer e.contractsMu.Unlock()
	var out []mq.SignedMessage
	for id, r := range e.replicas {
		if len(r.rec.Unposted) == 0 {
			continue
		}
		origin := contracts.ContractOrigin(id)
		raw, h, err := e.verified(ctx, src, mq.SequenceKey(origin))
		if err != nil {
			return nil, err
		}
		var next uint64
		if len(raw) == 8 {
			next = binary.BigEndian.Uint64(raw)
		}
		kept := r.rec.Unposted[:0]
		for _, u := range r.rec.Unposted {
			if u.Input >= next {
				kept = append(kept, u)
			}
		}
		dropped := len(kept) != len(r.rec.Unposted)
		r.rec.Unposted = kept
		if dropped {
			raw, _ := json.Marshal(r.rec)
			if err := e.store.Put(contractEntryName(id), raw); err != nil {
				return nil, err
			}
		}
		if len(kept) == 0 {
			continue
		}
		b, err := e.verifiedAt(ctx, src, contracts.ContractKey(id), h)
		if err != nil || b == nil {
			return nil, fmt.Errorf("enclave: contract %x: %v", id, err)
		}
		var rec contracts.Contract
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, err
		}
		k, ok, err := e.contractKeyOf([32]byte(rec.Cluster), id, rec.KeyEpoch)
		if err != nil {
			return nil, err
		}
		if !ok || !bytes.Equal(k.pairs.Public().Sign, rec.SignKey) {
			continue // keys of the new epoch not published or not held yet
		}
		for _, u := range kept {
			m := mq.SignedMessage{Origin: origin, Topic: contracts.TopicResult, Payload: u.Payload, Sequence: u.Input}
			m.Sign(e.chainID, k.pairs.Sign)
			out = append(out, m)
		}
	}
	return out, nil
}
