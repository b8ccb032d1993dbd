package worker

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/pruntime"
)

// EVMBridge configures a worker to answer EVM anchors' requests for the
// agents of its clusters (docs/evm.md, "The bridge").
type EVMBridge struct {
	RPC     string
	ChainID *big.Int
	// Anchor, if set, is the one anchor bridged; otherwise every contract
	// on the chain that emits PhalaAnchor's AgentRequest is.
	Anchor common.Address
	// Relayer is the host's EVM account: it pays the gas of answers,
	// authorizations and rotations and collects the requests' payments.
	Relayer *ecdsa.PrivateKey
	// Takeover is how long each member waits after the one before it in
	// a request's order (default 10 s).
	Takeover time.Duration
	// Poll is how often the EVM chain is read (default 1 s).
	Poll time.Duration
}

// evmRequest is a request the bridge saw and has not seen settled; sent
// is this member's answer while it waits to be mined.
type evmRequest struct {
	ev   *bindings.PriceOracleAgentRequest
	due  time.Time
	sent *inflight
}

// agentRequestTopic is the topic of PhalaAnchor's AgentRequest event.
var agentRequestTopic = common.HexToHash("0x4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db")

// bridge is one worker's running EVM bridge.
type bridge struct {
	w       *Worker
	o       EVMBridge
	ec      *ethclient.Client
	anchors map[common.Address]*bindings.PriceOracle
	relayer *bind.TransactOpts
	nonces  relayerNonces
	log     *slog.Logger
	next    uint64 // the next EVM block to read events from
	pending map[string]*evmRequest
}

// runBridge watches the anchor until ctx ends; failures are logged and
// retried at the next poll.
func (w *Worker) runBridge(ctx context.Context, o EVMBridge) {
	o.Takeover = cmp.Or(o.Takeover, 10*time.Second)
	o.Poll = cmp.Or(o.Poll, time.Second)
	b := &bridge{w: w, o: o, log: w.log.With("evm_rpc", o.RPC), pending: map[string]*evmRequest{}, anchors: map[common.Address]*bindings.PriceOracle{}}
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	for {
		if err := b.step(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("evm bridge step failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			if b.ec != nil {
				b.ec.Close()
			}
			return
		case <-t.C:
		}
	}
}

// step reads new requests, answers those due for this member and hands
// the anchor over to a new master-key generation.
func (b *bridge) step(ctx context.Context) error {
	if err := b.dial(ctx); err != nil {
		return err
	}
	if err := b.readRequests(ctx); err != nil {
		return err
	}
	for addr, anchor := range b.anchors {
		if err := b.rotate(ctx, addr, anchor); err != nil {
			b.log.Warn("evm anchor not rotated", "anchor", addr.Hex(), "err", err)
		}
	}
	now := time.Now()
	for id, r := range b.pending {
		if r.sent != nil {
			done, err := b.settle(ctx, id, r)
			if err != nil {
				b.log.Warn("evm answer not landed", "id", id, "err", err)
			}
			if done {
				delete(b.pending, id)
			}
			continue
		}
		if now.Before(r.due) {
			continue
		}
		done, err := b.answer(ctx, r)
		if err != nil {
			b.log.Warn("evm request not answered", "id", id, "err", err)
			r.due = now.Add(b.o.Takeover)
		}
		if done {
			delete(b.pending, id)
		}
	}
	return nil
}

func (b *bridge) dial(ctx context.Context) error {
	if b.ec != nil {
		return nil
	}
	ec, err := ethclient.DialContext(ctx, b.o.RPC)
	if err != nil {
		return fmt.Errorf("evm bridge: dial %s: %w", b.o.RPC, err)
	}
	if id, err := ec.ChainID(ctx); err != nil || id.Cmp(b.o.ChainID) != 0 {
		ec.Close()
		return fmt.Errorf("evm bridge: %s: chain id check: the node is chain %v, the bridge is set for %v (%v)", b.o.RPC, id, b.o.ChainID, err)
	}
	opts, err := bind.NewKeyedTransactorWithChainID(b.o.Relayer, b.o.ChainID)
	if err != nil {
		ec.Close()
		return fmt.Errorf("evm bridge: relayer: %w", err)
	}
	b.ec, b.relayer = ec, opts
	if (b.o.Anchor != common.Address{}) {
		_, err = b.anchor(b.o.Anchor)
	}
	return err
}

// anchor is the binding of the anchor at addr (any PhalaAnchor: the
// PriceOracle binding carries the anchor's ABI).
func (b *bridge) anchor(addr common.Address) (*bindings.PriceOracle, error) {
	if a, ok := b.anchors[addr]; ok {
		return a, nil
	}
	a, err := bindings.NewPriceOracle(addr, b.ec)
	if err != nil {
		return nil, fmt.Errorf("evm bridge: anchor %s: %w", addr.Hex(), err)
	}
	b.anchors[addr] = a
	return a, nil
}

// readRequests queues the anchors' new requests for agents of this
// worker's clusters, each due when this member's turn comes.
func (b *bridge) readRequests(ctx context.Context) error {
	head, err := b.ec.BlockNumber(ctx)
	if err != nil || head < b.next {
		return err
	}
	q := ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(b.next), ToBlock: new(big.Int).SetUint64(head), Topics: [][]common.Hash{{agentRequestTopic}}}
	if (b.o.Anchor != common.Address{}) {
		q.Addresses = []common.Address{b.o.Anchor}
	}
	logs, err := b.ec.FilterLogs(ctx, q)
	if err != nil {
		return fmt.Errorf("evm bridge: read requests: %w", err)
	}
	for _, l := range logs {
		anchor, err := b.anchor(l.Address)
		if err != nil {
			return err
		}
		ev, err := anchor.ParseAgentRequest(l)
		if err != nil {
			continue // not PhalaAnchor's event under the same topic
		}
		rank, ok, err := b.rank(ctx, ev.Agent, ev.Id)
		if err != nil {
			return err
		}
		if ok {
			b.pending[l.Address.Hex()+"/"+ev.Id.String()] = &evmRequest{ev: ev, due: time.Now().Add(time.Duration(rank) * b.o.Takeover)}
		}
	}
	b.next = head + 1
	return nil
}

// rank is this member's place in the order the agent's cluster members
// answer request id (id mod members first, then the next after each
// take-over timeout); ok is false when this worker is not a member. The
// order only spreads the work: any member's answer is as good.
func (b *bridge) rank(ctx context.Context, agent [32]byte, id *big.Int) (uint64, bool, error) {
	a, err := b.w.client.Agent(ctx, agent)
	if err != nil {
		return 0, false, nil // not an agent of this chain: not ours
	}
	cl, err := b.w.client.Cluster(ctx, [32]byte(a.Cluster))
	if err != nil {
		return 0, false, fmt.Errorf("evm bridge: agent %x: cluster: %w", agent, err)
	}
	me := b.w.ID()
	n := uint64(len(cl.Members))
	for i, m := range cl.Members {
		if bytes.Equal(m, me[:]) {
			first := new(big.Int).Mod(id, new(big.Int).SetUint64(n)).Uint64()
			return (uint64(i) + n - first) % n, true, nil
		}
	}
	return 0, false, nil
}

// answer runs the agent in the enclave and sends the signed answer
// without waiting for it to be mined (settle watches it); done is true
// when the request needs nothing more from this member (answered,
// refunded or past its deadline).
func (b *bridge) answer(ctx context.Context, r *evmRequest) (bool, error) {
	ev := r.ev
	anchor, err := b.anchor(ev.Raw.Address)
	if err != nil {
		return false, err
	}
	req, err := anchor.Requests(&bind.CallOpts{Context: ctx}, ev.Id)
	if err != nil {
		return false, fmt.Errorf("evm bridge: request %s: %w", ev.Id, err)
	}
	const pending = 1
	if req.Status != pending {
		return true, nil
	}
	// Past its deadline the anchor refuses any answer: do not run (and
	// bill) the agent for nothing.
	if head, err := b.ec.BlockNumber(ctx); err == nil && head >= req.Deadline {
		return true, nil
	}
	if err := b.authorize(ctx, anchor, ev.Raw.Address, ev.Agent); err != nil {
		return false, err
	}
	ans, err := b.w.enclave.AnswerEVM(ctx, b.w.src, pruntime.EVMRequest{ChainID: b.o.ChainID, Anchor: ev.Raw.Address, Agent: ev.Agent,
		ID: ev.Id, Payload: ev.Payload, Relayer: b.relayer.From})
	if err != nil {
		return false, err
	}
	tx, err := b.submit(ctx, "answer", func(o *bind.TransactOpts) (*types.Transaction, error) {
		return anchor.Answer(o, ev.Id, ans.PayloadHash, ans.Result, ans.Sig)
	})
	if err != nil {
		return strings.Contains(err.Error(), "NotPending") || strings.Contains(err.Error(), "PastDeadline"), err
	}
	r.sent = &inflight{tx: tx.Hash(), sent: time.Now()}
	b.log.Debug("evm answer sent", "anchor", ev.Raw.Address.Hex(), "id", ev.Id, "signer", common.Address(ans.Signer).Hex(), "tx", tx.Hash().Hex())
	return false, nil
}

// authorize makes sure the anchor trusts this member's answer key for
// agent under its current generation, asking a gatekeeper otherwise.
func (b *bridge) authorize(ctx context.Context, anchor *bindings.PriceOracle, addr common.Address, agent [32]byte) error {
	key, err := b.w.enclave.EVMAnswerKey(ctx, b.w.src, agent)
	if err != nil {
		return err
	}
	call := &bind.CallOpts{Context: ctx}
	gen, err := anchor.Generation(call)
	if err != nil {
		return fmt.Errorf("evm bridge: anchor generation: %w", err)
	}
	if at, err := anchor.AuthorizedAt(call, agent, key); err != nil || at == gen+1 {
		return err
	}
	s, err := b.gatekeeper(ctx, PathEVMAuthorize, EVMSignRequest{ChainID: b.o.ChainID.Uint64(), Anchor: addr, Agent: hex.EncodeToString(agent[:])})
	if err != nil {
		return err
	}
	if s.Key != common.Address(key) {
		return fmt.Errorf("evm bridge: the gatekeeper authorized key %s, this member holds %s (cluster epochs differ; retrying)", s.Key.Hex(), common.Address(key).Hex())
	}
	return b.send(ctx, "authorizeKey", func(o *bind.TransactOpts) (*types.Transaction, error) {
		return anchor.AuthorizeKey(o, agent, s.Key, s.Generation, s.Sig)
	})
}

// rotate hands the anchor over, one generation at a time, to the chain's
// current master-key generation.
func (b *bridge) rotate(ctx context.Context, addr common.Address, anchor *bindings.PriceOracle) error {
	ks, err := b.w.client.KeyState(ctx)
	if err != nil || ks.Generation == nil {
		return err
	}
	gen, err := anchor.Generation(&bind.CallOpts{Context: ctx})
	if err != nil {
		return fmt.Errorf("evm bridge: anchor generation: %w", err)
	}
	for next := gen + 1; next <= ks.Generation.Number; next++ {
		s, err := b.gatekeeper(ctx, PathEVMRotation, EVMSignRequest{ChainID: b.o.ChainID.Uint64(), Anchor: addr, NextGen: next})
		if err != nil {
			return err
		}
		err = b.send(ctx, "rotateMaster", func(o *bind.TransactOpts) (*types.Transaction, error) {
			return anchor.RotateMaster(o, s.Key, s.Generation, s.Sig)
		})
		switch {
		case err == nil:
			b.log.Info("evm anchor rotated", "anchor", addr.Hex(), "generation", next, "master", s.Key.Hex())
		case !strings.Contains(err.Error(), "BadGeneration"):
			return err // BadGeneration: another member rotated first
		}
	}
	return nil
}

// gatekeeper asks the chain's gatekeepers, in turn, to sign req at path:
// this worker's own enclave first if it is one.
func (b *bridge) gatekeeper(ctx context.Context, path string, req EVMSignRequest) (EVMSigned, error) {
	ks, err := b.w.client.KeyState(ctx)
	if err != nil {
		return EVMSigned{}, fmt.Errorf("evm bridge: gatekeepers: %w", err)
	}
	s, err := client.AskGatekeepers(ctx, b.w.client, ks, func(endpoint string) (EVMSigned, error) {
		return postEVMSign(ctx, endpoint+path, req)
	})
	if err != nil {
		return EVMSigned{}, fmt.Errorf("evm bridge: no gatekeeper signed %s: %w", path, err)
	}
	return s, nil
}

// postEVMSign posts a signing request to a gatekeeper.
func postEVMSign(ctx context.Context, url string, req EVMSignRequest) (EVMSigned, error) {
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return EVMSigned{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return EVMSigned{}, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return EVMSigned{}, fmt.Errorf("%s: %s: %s", url, resp.Status, e.Error.Message)
	}
	var s EVMSigned
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return EVMSigned{}, fmt.Errorf("%s: %w", url, err)
	}
	return s, nil
}
