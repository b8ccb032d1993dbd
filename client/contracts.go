package client

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// ErrNoResult is returned while a contract input has no result on chain.
var ErrNoResult = errors.New("no result yet")

// Contract reads a contract record.
func (c *Client) Contract(ctx context.Context, id [32]byte) (contracts.Contract, error) {
	return queryAs[contracts.Contract](ctx, c, contracts.ContractPath(id))
}

// ContractParams reads the contracts module's parameters.
func (c *Client) ContractParams(ctx context.Context) (contracts.Params, error) {
	return queryAs[contracts.Params](ctx, c, contracts.ParamsPath())
}

// Contracts lists every contract (and agent record) in creation order.
func (c *Client) Contracts(ctx context.Context) ([]contracts.Contract, error) {
	return queryAs[[]contracts.Contract](ctx, c, contracts.ListPath())
}

// ClusterContracts lists the contracts (and agents) of a cluster.
func (c *Client) ClusterContracts(ctx context.Context, cluster [32]byte) ([]contracts.Contract, error) {
	return queryAs[[]contracts.Contract](ctx, c, contracts.ClusterContractsPath(cluster))
}

// Code reads a stored code's record; withSource adds the code itself.
func (c *Client) Code(ctx context.Context, hash [32]byte, withSource bool) (contracts.CodeView, error) {
	path := contracts.CodePath(hash)
	if withSource {
		path = contracts.CodeSourcePath(hash)
	}
	return queryAs[contracts.CodeView](ctx, c, path)
}

// ContractResult reads the result the chain holds for one input of a
// contract, sealed as the replica posted it (Result opens a command's).
func (c *Client) ContractResult(ctx context.Context, id [32]byte, input uint64) (contracts.Result, error) {
	return queryAs[contracts.Result](ctx, c, contracts.ResultPath(id, input))
}

// ContractRoots reads the state roots the chain tallied for one input of
// a contract.
func (c *Client) ContractRoots(ctx context.Context, id [32]byte, input uint64) (contracts.RootReport, error) {
	return queryAs[contracts.RootReport](ctx, c, contracts.RootsPath(id, input))
}

// ContractDivergences lists the replicas caught disagreeing with their
// cluster's majority on a contract's state.
func (c *Client) ContractDivergences(ctx context.Context, id [32]byte) ([]contracts.Divergence, error) {
	return queryAs[[]contracts.Divergence](ctx, c, contracts.DivergedPath(id))
}

// UploadCode stores a bundled module on chain and returns its hash.
func (c *Client) UploadCode(ctx context.Context, key ed25519.PrivateKey, code []byte) ([32]byte, *Committed, error) {
	hash := sha256.Sum256(code)
	if len(code) <= UploadChunkSize {
		res, err := c.Send(ctx, key, pha.Amount{}, "", &contracts.MsgUpload{Code: code})
		return hash, res, err
	}
	// Too large for one transaction: in order, one chunk a transaction.
	var res *Committed
	for off := 0; off < len(code); off += UploadChunkSize {
		end := min(off+UploadChunkSize, len(code))
		var err error
		res, err = c.Send(ctx, key, pha.Amount{}, "", &contracts.MsgUploadChunk{Hash: hash, Total: uint64(len(code)), Offset: uint64(off), Chunk: code[off:end]})
		if err != nil {
			return hash, res, fmt.Errorf("upload chunk at %d of %d bytes: %w", off, len(code), err)
		}
	}
	return hash, res, nil
}

// UploadChunkSize is the code size UploadCode sends in one transaction,
// below the chain's default 64 KiB transaction limit.
const UploadChunkSize = 60 << 10

// Instantiate creates a contract from stored code in a cluster and
// returns its id.
func (c *Client) Instantiate(ctx context.Context, key ed25519.PrivateKey, code, cluster [32]byte, args json.RawMessage, upgradable bool) ([32]byte, *Committed, error) {
	res, err := c.Send(ctx, key, pha.Amount{}, "", &contracts.MsgInstantiate{Code: code, Cluster: cluster, Args: args, Upgradable: upgradable})
	if err != nil {
		return [32]byte{}, nil, err
	}
	v, ok := res.Attr(contracts.EventCreated, contracts.AttrContract)
	b, err := hex.DecodeString(v)
	if !ok || err != nil || len(b) != 32 {
		return [32]byte{}, res, fmt.Errorf("instantiate: no contract id in the transaction's events")
	}
	return [32]byte(b), res, nil
}

// SentCommand is a command on chain and the key that opens its output.
type SentCommand struct {
	Contract [32]byte
	Input    uint64
	ReplyKey []byte
	*Committed
}

// KeyWait bounds how long Exec waits for a contract's keys of a new
// cluster epoch.
const KeyWait = 30 * time.Second

// keyPoll is how often Exec looks for the new keys.
const keyPoll = 250 * time.Millisecond

// Exec seals payload to the contract's current key, client side, and
// posts it; the caller's address is bound into the envelope. While the
// cluster moves to a new key epoch (a rotation, a member removed) the chain
// refuses commands for a few blocks: the new epoch's keys are not
// published yet, or the command was sealed to the previous key. Exec then
// waits for the contract's keys of the new epoch and seals again, for up
// to KeyWait or until ctx ends.
func (c *Client) Exec(ctx context.Context, key ed25519.PrivateKey, id [32]byte, payload json.RawMessage, gas uint64) (*SentCommand, error) {
	deadline := time.Now().Add(KeyWait)
	for {
		sent, err := c.execOnce(ctx, key, id, payload, gas)
		if !errors.Is(err, contracts.ErrNoKeys) && !errors.Is(err, contracts.ErrWrongRecipient) {
			return sent, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w (waited %s for the contract's keys of the cluster's current epoch)", err, KeyWait)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (stopped waiting for the contract's new keys: %v)", err, ctx.Err())
		case <-time.After(keyPoll):
		}
	}
}

// commandExpiry is the expiry height of a command sealed now: the node's
// latest height plus the chain's command window, the furthest the chain
// accepts (the command lands in a later block).
func (c *Client) commandExpiry(ctx context.Context) (int64, error) {
	p, err := c.ContractParams(ctx)
	if err != nil {
		return 0, fmt.Errorf("command expiry: %w", err)
	}
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("command expiry: node status: %w", err)
	}
	return st.SyncInfo.LatestBlockHeight + p.CommandWindow(), nil
}

// execOnce seals payload to the contract's key as the chain shows it now
// and posts it.
func (c *Client) execOnce(ctx context.Context, key ed25519.PrivateKey, id [32]byte, payload json.RawMessage, gas uint64) (*SentCommand, error) {
	rec, err := c.ProvenContract(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(rec.ECDHKey) == 0 {
		return nil, fmt.Errorf("%w (contract %x)", contracts.ErrNoKeys, id)
	}
	pub, err := ecdh.X25519().NewPublicKey(rec.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("contract key: %w", err)
	}
	reply := make([]byte, 32)
	if _, err := rand.Read(reply); err != nil {
		return nil, err
	}
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	plain, err := json.Marshal(contractio.Command{Payload: payload, ReplyKey: reply})
	if err != nil {
		return nil, err
	}
	expires, err := c.commandExpiry(ctx)
	if err != nil {
		return nil, err
	}
	sender := address.FromPubKey(key.Public().(ed25519.PublicKey))
	env, err := envelope.Seal(pub, envelope.PurposeContractCommand, contracts.CommandSender(sender, expires), plain)
	if err != nil {
		return nil, err
	}
	res, err := c.Send(ctx, key, pha.Amount{}, "", &contracts.MsgExec{Contract: id, Envelope: env.Encode(), Gas: gas})
	if err != nil {
		return nil, err
	}
	v, ok := res.Attr(contracts.EventInput, contracts.AttrInput)
	n, perr := strconv.ParseUint(v, 10, 64)
	if !ok || perr != nil {
		return nil, fmt.Errorf("exec: no input number in the transaction's events")
	}
	return &SentCommand{Contract: id, Input: n, ReplyKey: reply, Committed: res}, nil
}

// CommandResult is a command's result as its caller reads it.
type CommandResult struct {
	Input  uint64            `json:"input"`
	OK     bool              `json:"ok"`
	Error  string            `json:"error,omitempty"`
	Output contractio.Output `json:"output"`
	Gas    uint64            `json:"gas_used"`
	Height int64             `json:"height"`
}

// Result reads the result of a command and opens its output; ErrNoResult
// until the replicas have posted it.
func (c *Client) Result(ctx context.Context, s *SentCommand) (*CommandResult, error) {
	r, err := c.ContractResult(ctx, s.Contract, s.Input)
	if err != nil {
		if strings.Contains(err.Error(), "no result") {
			return nil, ErrNoResult
		}
		return nil, err
	}
	out := &CommandResult{Input: r.Input, OK: r.OK, Error: r.Error, Gas: r.Gas, Height: r.Height}
	if len(r.Output) > 0 {
		if out.Output, err = contractio.OpenOutput(s.ReplyKey, s.Contract, s.Input, r.Output); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WaitResult polls for a command's result until ctx ends.
func (c *Client) WaitResult(ctx context.Context, s *SentCommand) (*CommandResult, error) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		r, err := c.Result(ctx, s)
		if !errors.Is(err, ErrNoResult) {
			return r, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the result of input %d: %w", s.Input, ctx.Err())
		case <-t.C:
		}
	}
}

// QueryContract sends a signed query, sealed to a worker of the contract's
// cluster, straight to the worker's endpoint, and opens the signed answer.
// worker may be zero to pick the first member with an endpoint that holds
// the cluster key.
func (c *Client) QueryContract(ctx context.Context, key ed25519.PrivateKey, id [32]byte, payload json.RawMessage, worker [32]byte) (*contractio.QueryResult, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	w, err := c.pickWorker(ctx, id, worker)
	if err != nil {
		return nil, err
	}
	pq, err := contractio.NewQuery(chainID, [32]byte(w.ID), w.ECDHKey, key, nil, id, payload, time.Now())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(w.Endpoint, "/")+"/contracts/query", strings.NewReader(string(pq.Body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	body, err := httpok.Do(http.DefaultClient, req, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("query worker %s: %w", w.ID, err)
	}
	var qr contractio.QueryResponse
	if err := json.Unmarshal(body, &qr); err != nil {
		return nil, fmt.Errorf("query worker %s: response: %w", w.ID, err)
	}
	out, err := pq.Open(qr)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) pickWorker(ctx context.Context, id, want [32]byte) (registry.Worker, error) {
	rec, err := c.ProvenContract(ctx, id)
	if err != nil {
		return registry.Worker{}, err
	}
	cid, err := rec.Cluster.Array32()
	if err != nil {
		return registry.Worker{}, fmt.Errorf("contract %x: cluster: %w", id, err)
	}
	cl, err := c.ProvenCluster(ctx, cid)
	if err != nil {
		return registry.Worker{}, err
	}
	for _, m := range cl.Members {
		mid, err := m.Array32()
		if err != nil {
			return registry.Worker{}, fmt.Errorf("cluster %x: member: %w", cid, err)
		}
		if want != ([32]byte{}) && mid != want {
			continue
		}
		w, err := c.ProvenWorker(ctx, registry.WorkerID(mid))
		if err != nil {
			continue
		}
		if w.Endpoint != "" && cl.Holds(mid) {
			return w, nil
		}
	}
	return registry.Worker{}, fmt.Errorf("no worker of cluster %x with an endpoint holds its key", []byte(rec.Cluster))
}
