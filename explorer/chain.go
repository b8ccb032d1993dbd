package explorer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// query runs an app query; a refusal by the app (an unknown id) is a 404.
func (e *Explorer) query(ctx context.Context, path string, out any) error {
	_, err := e.c.Query(ctx, path, out)
	var re *client.ResultError
	if errors.As(err, &re) {
		return fmt.Errorf("%w: %s", errNotFound, re.Log)
	}
	return err
}

// txSummary is one line of a transaction list.
type txSummary struct {
	Hash      string    `json:"hash"`
	Height    int64     `json:"height"`
	Index     uint32    `json:"index"`
	Time      time.Time `json:"time,omitzero"`
	OK        bool      `json:"ok"`
	Code      uint32    `json:"code"`
	Codespace string    `json:"codespace,omitempty"`
	Sender    string    `json:"sender"`
	Fee       string    `json:"fee"`
	Types     []string  `json:"types"`
	Kind      string    `json:"kind"`
	Summary   string    `json:"summary"`
}

// txDetail is a transaction's page.
type txDetail struct {
	txSummary
	Nonce  uint64      `json:"nonce"`
	Memo   string      `json:"memo,omitempty"`
	Log    string      `json:"log,omitempty"`
	Bytes  int         `json:"bytes"`
	Msgs   []msgView   `json:"msgs"`
	Events []eventView `json:"events"`
}

// decodeTx describes a committed transaction.
func (e *Explorer) decodeTx(raw []byte, height int64, index uint32, res *abci.ExecTxResult) txDetail {
	h := tx.Hash(raw)
	d := txDetail{txSummary: txSummary{Hash: fmt.Sprintf("%X", h[:]), Height: height, Index: index, Types: []string{}}, Msgs: []msgView{}, Events: []eventView{}, Bytes: len(raw)}
	if res != nil {
		d.OK, d.Code, d.Codespace, d.Log = res.Code == 0, res.Code, res.Codespace, res.Log
		d.Events = viewEvents(res.Events)
	}
	t, err := tx.Decode(e.reg, raw)
	if err != nil {
		d.Kind, d.Summary = "invalid", "undecodable transaction"
		return d
	}
	d.Sender, d.Fee, d.Nonce, d.Memo = t.Sender().String(), t.Fee.PHA(), t.Nonce, t.Memo
	var sums []string
	for _, m := range t.Msgs {
		v := viewMsg(m)
		d.Msgs = append(d.Msgs, v)
		d.Types = append(d.Types, v.Type)
		sums = append(sums, v.Summary)
	}
	d.Kind = kindOfMsgs(d.Types)
	d.Summary = strings.Join(sums, "; ")
	if len(d.Summary) > 200 {
		d.Summary = d.Summary[:200] + "…"
	}
	return d
}

// blockTimes caches header times by height: lists of transactions found
// by search show when they happened.
type blockTimes struct {
	mu sync.Mutex
	m  map[int64]time.Time
}

func (e *Explorer) blockTime(ctx context.Context, height int64) time.Time {
	e.times.mu.Lock()
	t, ok := e.times.m[height]
	e.times.mu.Unlock()
	if ok {
		return t
	}
	h, err := e.c.RPC.Header(ctx, &height)
	if err != nil || h.Header == nil {
		return time.Time{}
	}
	e.times.mu.Lock()
	if e.times.m == nil || len(e.times.m) > 8192 {
		e.times.m = map[int64]time.Time{}
	}
	e.times.m[height] = h.Header.Time
	e.times.mu.Unlock()
	return h.Header.Time
}

// searchTxs runs tx_search, newest first, and summarises the answers.
func (e *Explorer) searchTxs(ctx context.Context, q string, limit int) ([]txSummary, int, error) {
	page, per := 1, limit
	res, err := e.c.RPC.TxSearch(ctx, q, false, &page, &per, "desc")
	if err != nil {
		return nil, 0, fmt.Errorf("tx_search %s: %w", q, err)
	}
	out := make([]txSummary, 0, len(res.Txs))
	for _, r := range res.Txs {
		d := e.decodeTx(r.Tx, r.Height, r.Index, &r.TxResult)
		out = append(out, d.txSummary)
	}
	e.fillTimes(ctx, out)
	return out, res.TotalCount, nil
}

// fillTimes sets the block time of each transaction, reading the headers
// it does not know yet a few at a time.
func (e *Explorer) fillTimes(ctx context.Context, txs []txSummary) {
	var heights []int64
	seen := map[int64]bool{}
	for _, t := range txs {
		if !seen[t.Height] {
			seen[t.Height] = true
			heights = append(heights, t.Height)
		}
	}
	times := map[int64]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, h := range heights {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			t := e.blockTime(ctx, h)
			mu.Lock()
			times[h] = t
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i := range txs {
		txs[i].Time = times[txs[i].Height]
	}
}

// searchTxResults runs tx_search and returns the raw results, newest first.
func (e *Explorer) searchTxResults(ctx context.Context, q string, limit int) ([]*coretypes.ResultTx, error) {
	page, per := 1, limit
	res, err := e.c.RPC.TxSearch(ctx, q, false, &page, &per, "desc")
	if err != nil {
		return nil, fmt.Errorf("tx_search %s: %w", q, err)
	}
	return res.Txs, nil
}

// quote makes a tx_search string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "") + "'" }

type statusView struct {
	ChainID        string      `json:"chain_id"`
	Moniker        string      `json:"moniker"`
	NodeVersion    string      `json:"node_version"`
	Height         int64       `json:"height"`
	Time           time.Time   `json:"time"`
	Hash           string      `json:"hash"`
	AppHash        string      `json:"app_hash"`
	CatchingUp     bool        `json:"catching_up"`
	AvgBlockTimeMS int64       `json:"avg_block_time_ms"`
	Validators     int         `json:"validators"`
	Workers        int         `json:"workers"`
	Gatekeepers    int         `json:"gatekeepers"`
	Clusters       int         `json:"clusters"`
	Contracts      int         `json:"contracts"`
	Agents         int         `json:"agents"`
	Generation     *uint64     `json:"generation,omitempty"`
	Rotation       string      `json:"rotation"`
	Supply         *supplyView `json:"supply,omitempty"`
}

func (e *Explorer) apiStatus(r *http.Request) (any, error) {
	ctx := r.Context()
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	v := statusView{ChainID: st.NodeInfo.Network, Moniker: st.NodeInfo.Moniker, NodeVersion: st.NodeInfo.Version,
		Height: st.SyncInfo.LatestBlockHeight, Time: st.SyncInfo.LatestBlockTime, Hash: st.SyncInfo.LatestBlockHash.String(),
		AppHash: st.SyncInfo.LatestAppHash.String(), CatchingUp: st.SyncInfo.CatchingUp}
	if v.Height > 1 {
		if bi, err := e.c.RPC.BlockchainInfo(ctx, max(1, v.Height-20), v.Height); err == nil && len(bi.BlockMetas) > 1 {
			first, last := bi.BlockMetas[len(bi.BlockMetas)-1], bi.BlockMetas[0]
			v.AvgBlockTimeMS = last.Header.Time.Sub(first.Header.Time).Milliseconds() / int64(len(bi.BlockMetas)-1)
		}
	}
	if vals, err := e.c.RPC.Validators(ctx, nil, nil, nil); err == nil {
		v.Validators = vals.Total
	}
	var ws []jsonWorker
	if err := e.query(ctx, registry.WorkersPath(), &ws); err == nil {
		v.Workers = len(ws)
	}
	if ks, err := e.keysState(ctx); err == nil {
		v.Gatekeepers, v.Rotation = len(ks.Gatekeepers), ks.Rotation
		if ks.Generation != nil {
			g := ks.Generation.Number
			v.Generation = &g
		}
	}
	var cls []jsonCluster
	if err := e.query(ctx, clusters.ListPath(), &cls); err == nil {
		v.Clusters = len(cls)
	}
	var cs []jsonContract
	if err := e.query(ctx, contracts.ListPath(), &cs); err == nil {
		for _, c := range cs {
			if c.Kind != kindAgent {
				v.Contracts++
			}
		}
	}
	var as []jsonAgent
	if err := e.query(ctx, agents.ListPath(), &as); err == nil {
		v.Agents = len(as)
	}
	if s, err := e.supply(ctx); err == nil {
		v.Supply = &s
	}
	return v, nil
}

type blockSummary struct {
	Height   int64     `json:"height"`
	Hash     string    `json:"hash"`
	Time     time.Time `json:"time"`
	NumTxs   int       `json:"num_txs"`
	Proposer string    `json:"proposer"`
}

type blocksView struct {
	Latest int64          `json:"latest"`
	Blocks []blockSummary `json:"blocks"`
}

func intParam(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s must be an integer", errBadRequest, name)
	}
	return min(max(n, lo), hi), nil
}

// apiBlocks lists blocks, newest first: ?before=H (inclusive, default the
// latest) and ?limit=N (at most 100).
func (e *Explorer) apiBlocks(r *http.Request) (any, error) {
	ctx := r.Context()
	limit, err := intParam(r, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	before, err := intParam(r, "before", 0, 0, 1<<62)
	if err != nil {
		return nil, err
	}
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	latest := st.SyncInfo.LatestBlockHeight
	top := latest
	if before > 0 && before < top {
		top = before
	}
	bottom := max(1, top-limit+1)
	out := blocksView{Latest: latest, Blocks: []blockSummary{}}
	for hi := top; hi >= bottom; hi -= 20 {
		lo := max(bottom, hi-19)
		bi, err := e.c.RPC.BlockchainInfo(ctx, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, m := range bi.BlockMetas {
			out.Blocks = append(out.Blocks, blockSummary{Height: m.Header.Height, Hash: m.BlockID.Hash.String(), Time: m.Header.Time,
				NumTxs: m.NumTxs, Proposer: m.Header.ProposerAddress.String()})
		}
	}
	return out, nil
}

type blockDetail struct {
	blockSummary
	Latest         int64       `json:"latest"`
	ChainID        string      `json:"chain_id"`
	AppHash        string      `json:"app_hash"`
	LastBlockHash  string      `json:"last_block_hash"`
	ValidatorsHash string      `json:"validators_hash"`
	Signatures     int         `json:"signatures"`
	Txs            []txSummary `json:"txs"`
	Events         []eventView `json:"events"`
}

func (e *Explorer) apiBlock(r *http.Request) (any, error) {
	ctx := r.Context()
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h < 1 {
		return nil, fmt.Errorf("%w: height must be a positive integer", errBadRequest)
	}
	return e.block(ctx, h)
}

func (e *Explorer) block(ctx context.Context, h int64) (*blockDetail, error) {
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	latest := st.SyncInfo.LatestBlockHeight
	if h > latest {
		return nil, fmt.Errorf("%w: block %d is above the latest height %d", errNotFound, h, latest)
	}
	b, err := e.c.RPC.Block(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("%w: block %d: %v", errNotFound, h, err)
	}
	res, err := e.c.RPC.BlockResults(ctx, &h)
	if err != nil {
		return nil, err
	}
	return e.blockDetail(b.Block, b.BlockID, res, latest), nil
}

func (e *Explorer) blockDetail(b *cmttypes.Block, id cmttypes.BlockID, res *coretypes.ResultBlockResults, latest int64) *blockDetail {
	d := &blockDetail{
		blockSummary: blockSummary{Height: b.Height, Hash: id.Hash.String(), Time: b.Time, NumTxs: len(b.Txs), Proposer: b.ProposerAddress.String()},
		Latest:       latest, ChainID: b.ChainID, AppHash: b.AppHash.String(), LastBlockHash: b.LastBlockID.Hash.String(),
		ValidatorsHash: b.ValidatorsHash.String(), Txs: []txSummary{}, Events: []eventView{},
	}
	if b.LastCommit != nil {
		for _, s := range b.LastCommit.Signatures {
			if s.BlockIDFlag == cmttypes.BlockIDFlagCommit {
				d.Signatures++
			}
		}
	}
	for i, raw := range b.Txs {
		var r *abci.ExecTxResult
		if res != nil && i < len(res.TxsResults) {
			r = res.TxsResults[i]
		}
		t := e.decodeTx(raw, b.Height, uint32(i), r)
		t.Time = b.Time
		d.Txs = append(d.Txs, t.txSummary)
	}
	if res != nil {
		d.Events = viewEvents(res.FinalizeBlockEvents)
	}
	return d
}

type txsView struct {
	Txs []txSummary `json:"txs"`
}

// apiTxs lists the latest transactions (?limit=N, at most 100).
func (e *Explorer) apiTxs(r *http.Request) (any, error) {
	ctx := r.Context()
	limit, err := intParam(r, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	// A recent window first: the indexer sorts every match, so a narrow
	// range is cheaper on a long chain; widen when it holds too few.
	var txs []txSummary
	if from := st.SyncInfo.LatestBlockHeight - 2000; from > 0 {
		if txs, _, err = e.searchTxs(ctx, fmt.Sprintf("tx.height>%d", from), int(limit)); err != nil {
			return nil, err
		}
	}
	if len(txs) < int(limit) {
		if txs, _, err = e.searchTxs(ctx, "tx.height>0", int(limit)); err != nil {
			return nil, err
		}
	}
	if txs == nil {
		txs = []txSummary{}
	}
	return txsView{Txs: txs}, nil
}

func (e *Explorer) apiTx(r *http.Request) (any, error) {
	ctx := r.Context()
	s := normHex(r.PathValue("hash"))
	if !isHex(s, 32) {
		return nil, fmt.Errorf("%w: a transaction hash is 64 hex characters", errBadRequest)
	}
	hash, _ := hex.DecodeString(s)
	res, err := e.c.RPC.Tx(ctx, hash, false)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return nil, fmt.Errorf("%w: transaction %X", errNotFound, hash)
		}
		return nil, err
	}
	d := e.decodeTx(res.Tx, res.Height, res.Index, &res.TxResult)
	d.Time = e.blockTime(ctx, res.Height)
	return d, nil
}

// sortTxs orders transactions newest first and drops duplicates.
func sortTxs(txs []txSummary, limit int) []txSummary {
	seen := map[string]bool{}
	out := []txSummary{}
	for _, t := range txs {
		if !seen[t.Hash] {
			seen[t.Hash] = true
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Height != out[j].Height {
			return out[i].Height > out[j].Height
		}
		return out[i].Index > out[j].Index
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
