// Package client is the Go SDK of phala: it reads state and sends signed
// transactions through a node's CometBFT RPC. What a caller acts on (keys
// it seals to, workers and clusters behind an answer) is read with proofs
// against headers a light client verified (proven.go, client/lightclient),
// so the node need not be trusted; the other typed queries are for
// display. Agent answers are verified end to end (answers.go).
package client

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	nethttp "net/http"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	jsonrpcclient "github.com/cometbft/cometbft/rpc/jsonrpc/client"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client/lightclient"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Client talks to one node.
type Client struct {
	RPC *http.HTTP

	// LightDir, when set, keeps the proven reads' trusted root in
	// LightDir/<chain id>.json (the client home's light/ folder); Trust
	// sets or replaces it (height and hash). Read on the first proven read.
	LightDir string
	Trust    lightclient.Options

	lightMu sync.Mutex
	light   *lightclient.Client // proven reads (proven.go); set on first use
}

// New connects to a node's RPC URL, e.g. "http://127.0.0.1:26657".
func New(nodeURL string) (*Client, error) {
	c, err := NewRPC(nodeURL)
	if err != nil {
		return nil, err
	}
	return &Client{RPC: c}, nil
}

// rpcIdleConn is how long an idle connection to a node's RPC is kept for
// reuse: below CometBFT's server idle timeout (its read timeout, 10 s by
// default). With none, a request sent on a connection idle for about 10 s
// could meet the server closing it and fail with EOF: the JSON-RPC
// requests are POSTs, which Go's transport does not retry.
const rpcIdleConn = 5 * time.Second

// NewRPC is a CometBFT RPC client of nodeURL that drops its idle
// connections before the node does (rpcIdleConn).
func NewRPC(nodeURL string) (*http.HTTP, error) {
	hc, err := jsonrpcclient.DefaultHTTPClient(nodeURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", nodeURL, err)
	}
	if t, ok := hc.Transport.(*nethttp.Transport); ok {
		t.IdleConnTimeout = rpcIdleConn
	}
	c, err := http.NewWithClient(nodeURL, "/websocket", hc)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", nodeURL, err)
	}
	return c, nil
}

// ResultError is a rejection by the chain, with its code.
type ResultError struct {
	Stage     string // "check" (mempool) or "deliver" (block)
	Codespace string
	Code      uint32
	Log       string
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("transaction rejected in %s (%s/%d): %s", e.Stage, e.Codespace, e.Code, e.Log)
}

// Is makes errors.Is(err, tx.ErrWrongNonce) and the like work on results.
func (e *ResultError) Is(target error) bool {
	var k *abcierr.Error
	if !errors.As(target, &k) {
		return false
	}
	return k.Codespace == e.Codespace && k.Code == e.Code
}

// Query runs an app query at the latest height and decodes its JSON answer.
func (c *Client) Query(ctx context.Context, path string, out any) (int64, error) {
	res, err := c.RPC.ABCIQuery(ctx, path, nil)
	if err != nil {
		return 0, fmt.Errorf("query %s: %w", path, err)
	}
	if res.Response.Code != 0 {
		return 0, fmt.Errorf("query %s: %w", path, &ResultError{Stage: "query", Codespace: res.Response.Codespace, Code: res.Response.Code, Log: res.Response.Log})
	}
	if err := json.Unmarshal(res.Response.Value, out); err != nil {
		return 0, fmt.Errorf("query %s: decode answer: %w", path, err)
	}
	return res.Response.Height, nil
}

// queryAs runs Query and returns its answer as a T, for the typed query
// methods (one per module query, in the module's file).
func queryAs[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	_, err := c.Query(ctx, path, &out)
	return out, err
}

// PendingNonce is the nonce addr's next transaction must carry on this
// node: the committed nonce plus the transactions the node's mempool holds,
// so a sender can queue several transactions within one block.
func (c *Client) PendingNonce(ctx context.Context, addr address.Address) (uint64, error) {
	res, err := c.RPC.ABCIQuery(ctx, app.PathPendingNonce+"/"+addr.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("pending nonce: %w", err)
	}
	if res.Response.Code != 0 {
		return 0, fmt.Errorf("pending nonce: %w", &ResultError{Stage: "query", Codespace: res.Response.Codespace, Code: res.Response.Code, Log: res.Response.Log})
	}
	n, err := strconv.ParseUint(string(res.Response.Value), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pending nonce %q: %w", res.Response.Value, err)
	}
	return n, nil
}

// Params returns the chain's transaction parameters.
func (c *Client) Params(ctx context.Context) (app.Params, error) {
	var p app.Params
	_, err := c.Query(ctx, app.PathParams, &p)
	return p, err
}

// ChainID returns the chain id the node reports.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("status: %w", err)
	}
	return st.NodeInfo.Network, nil
}

// Committed is the outcome of a transaction included in a block.
type Committed struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Fee    string `json:"fee"`
	Nonce  uint64 `json:"nonce"`
	// Events are the transaction's events, for callers that need an id
	// the chain assigned (a contract, an input number).
	Events []abci.Event `json:"-"`
}

// Attr returns the value of attribute key of the first event of type typ.
func (c *Committed) Attr(typ, key string) (string, bool) {
	for _, e := range c.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value, true
			}
		}
	}
	return "", false
}

// BuildTx fills chain id, nonce and the minimum fee (if fee is zero) and
// signs msgs with key.
func (c *Client) BuildTx(ctx context.Context, key ed25519.PrivateKey, fee pha.Amount, memo string, msgs ...tx.Msg) (*tx.Tx, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	sender := address.FromPubKey(key.Public().(ed25519.PublicKey))
	nonce, err := c.PendingNonce(ctx, sender)
	if err != nil {
		return nil, err
	}
	if fee.IsZero() {
		p, err := c.Params(ctx)
		if err != nil {
			return nil, err
		}
		fee = p.MinFee
	}
	t := &tx.Tx{ChainID: chainID, Nonce: nonce, Fee: fee, Msgs: msgs, Memo: memo}
	t.Sign(key)
	return t, nil
}

// Send signs msgs, broadcasts them and waits until the transaction is in a
// block, returning a *ResultError if the chain rejects it.
//
// When another sender using the same account got a transaction into the
// mempool between reading the nonce and broadcasting (a worker and its
// operator's CLI, say), the mempool refuses the nonce; Send then signs
// again with the new one, a few times.
func (c *Client) Send(ctx context.Context, key ed25519.PrivateKey, fee pha.Amount, memo string, msgs ...tx.Msg) (*Committed, error) {
	for attempt := 0; ; attempt++ {
		t, err := c.BuildTx(ctx, key, fee, memo, msgs...)
		if err != nil {
			return nil, err
		}
		res, err := c.BroadcastCommit(ctx, t)
		var re *ResultError
		if attempt < 3 && errors.As(err, &re) && re.Stage == "check" && errors.Is(err, tx.ErrWrongNonce) {
			continue
		}
		return res, err
	}
}

// BroadcastCommit submits a signed transaction and waits for its block.
func (c *Client) BroadcastCommit(ctx context.Context, t *tx.Tx) (*Committed, error) {
	raw := t.Encode()
	res, err := c.RPC.BroadcastTxCommit(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	if err := resultErr(res); err != nil {
		return nil, err
	}
	h := tx.Hash(raw)
	return &Committed{Hash: fmt.Sprintf("%X", h[:]), Height: res.Height, Fee: t.Fee.PHA(), Nonce: t.Nonce, Events: res.TxResult.Events}, nil
}

// SendAsync signs msgs and hands them to the mempool without waiting for a
// block: it returns once CheckTx accepted them. Several calls in a row land
// in order, so a burst of transactions can share one block.
func (c *Client) SendAsync(ctx context.Context, key ed25519.PrivateKey, fee pha.Amount, memo string, msgs ...tx.Msg) (string, error) {
	t, err := c.BuildTx(ctx, key, fee, memo, msgs...)
	if err != nil {
		return "", err
	}
	raw := t.Encode()
	res, err := c.RPC.BroadcastTxSync(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("broadcast: %w", err)
	}
	if res.Code != 0 {
		return "", &ResultError{Stage: "check", Codespace: res.Codespace, Code: res.Code, Log: res.Log}
	}
	h := tx.Hash(raw)
	return fmt.Sprintf("%X", h[:]), nil
}

func resultErr(res *coretypes.ResultBroadcastTxCommit) error {
	if res.CheckTx.Code != 0 {
		return &ResultError{Stage: "check", Codespace: res.CheckTx.Codespace, Code: res.CheckTx.Code, Log: res.CheckTx.Log}
	}
	if res.TxResult.Code != 0 {
		return &ResultError{Stage: "deliver", Codespace: res.TxResult.Codespace, Code: res.TxResult.Code, Log: res.TxResult.Log}
	}
	return nil
}
