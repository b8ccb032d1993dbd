package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Query paths answered by the app itself; every other path is
// "/<module>/<rest>".
const (
	// PathStore returns the raw value of the key in Data; with Prove it
	// also returns an ICS23 proof against the AppHash of Height+1's header.
	PathStore = "/store"
	// PathParams returns the app's Params as JSON.
	PathParams = "/app/params"
	// PathPendingNonce + "/<address>" returns the nonce the account's next
	// transaction must carry, counting the transactions this node's
	// mempool has admitted since the last block (a decimal number). It is
	// a hint about the mempool, not proven state.
	PathPendingNonce = "/app/pending_nonce"
)

// ProofOpICS23 is the ProofOp type of an IAVL ICS23 commitment proof.
const ProofOpICS23 = "ics23:iavl"

// Query answers read requests against a committed height (0 = latest).
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (res *abci.ResponseQuery, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer func() {
		// A query must never take the node down; a storage panic here
		// affects only this answer.
		if r := recover(); r != nil {
			res = queryError(fmt.Errorf("query %s: %v", req.Path, r), req.Height)
			err = nil
		}
	}()
	view, verr := a.store.At(req.Height)
	if verr != nil {
		return queryError(fmt.Errorf("%w: %v", tx.ErrNotFound, verr), req.Height), nil
	}
	if rest, ok := strings.CutPrefix(req.Path, PathPendingNonce+"/"); ok {
		return a.queryPendingNonce(rest)
	}
	switch {
	case req.Path == PathStore:
		return a.queryStore(view, req)
	case req.Path == PathParams:
		p, perr := loadParams(view)
		if perr != nil {
			return queryError(perr, view.Version()), nil
		}
		raw, _ := json.Marshal(p)
		return &abci.ResponseQuery{Value: raw, Height: view.Version()}, nil
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(req.Path, "/"), "/")
	m := a.byName[name]
	if m == nil {
		return queryError(fmt.Errorf("%w: query path %q", tx.ErrNotFound, req.Path), view.Version()), nil
	}
	out, qerr := m.Query(view, rest, req.Data)
	if qerr != nil {
		return queryError(qerr, view.Version()), nil
	}
	return &abci.ResponseQuery{Value: out, Height: view.Version()}, nil
}

func (a *App) queryStore(view *state.View, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if len(req.Data) == 0 {
		return queryError(fmt.Errorf("%w: empty key", tx.ErrInvalidMsg), view.Version()), nil
	}
	res := &abci.ResponseQuery{Key: req.Data, Value: view.Get(req.Data), Height: view.Version()}
	if req.Prove {
		p, err := view.Prove(req.Data)
		if err != nil {
			return queryError(err, view.Version()), nil
		}
		raw, err := p.Marshal()
		if err != nil {
			return queryError(err, view.Version()), nil
		}
		res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpICS23, Key: req.Data, Data: raw}}}
	}
	return res, nil
}

func queryError(err error, height int64) *abci.ResponseQuery {
	space, code := abcierr.Code(err)
	var se *state.StorageError
	if errors.As(err, &se) {
		space, code = abcierr.CodespaceApp, abcierr.CodeInternal
	}
	return &abci.ResponseQuery{Codespace: space, Code: code, Log: err.Error(), Height: height}
}

func (a *App) queryPendingNonce(addr string) (*abci.ResponseQuery, error) {
	who, err := address.Parse(addr)
	if err != nil {
		return queryError(fmt.Errorf("%w: %v", tx.ErrInvalidMsg, err), 0), nil
	}
	if a.check == nil {
		return queryError(fmt.Errorf("%w: chain not initialised", tx.ErrNotFound), 0), nil
	}
	acct := a.balances.Keeper.Account(a.check.kv, who)
	return &abci.ResponseQuery{Value: []byte(strconv.FormatUint(acct.Nonce, 10)), Height: a.check.height - 1}, nil
}
