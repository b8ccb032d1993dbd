package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

// TestKeepVersions: a node that keeps only the last versions of its state
// reaches the same AppHash as an archive node block by block, answers
// queries at the heights it keeps, refuses older ones with a clear error,
// and restarts from its pruned store.
func TestKeepVersions(t *testing.T) {
	const keep, blocks = app.MinKeepVersions, app.MinKeepVersions + 30
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	open := func() (*state.Store, *app.App) {
		st, err := state.Open(dir, logger)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(st, logger)
		if err != nil {
			t.Fatal(err)
		}
		return st, a
	}
	st, pruned := open()
	if err := pruned.SetKeepVersions(keep - 1); err == nil {
		t.Fatalf("kept %d versions, fewer than the minimum %d", keep-1, app.MinKeepVersions)
	}
	if err := pruned.SetKeepVersions(keep); err != nil {
		t.Fatal(err)
	}
	archive := newApp(t)
	if _, err := pruned.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, AppStateBytes: genesis(t), InitialHeight: 1, Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= blocks; h++ {
		tx := transfer(alice, uint64(h-1), carol.Addr, pha.Whole(1))
		p, a := finalize(t, pruned, h, tx), finalize(t, archive, h, tx)
		if string(p.AppHash) != string(a.AppHash) {
			t.Fatalf("height %d: pruned node's AppHash %X, archive's %X", h, p.AppHash, a.AppHash)
		}
	}
	query := func(a *app.App, height int64) *abci.ResponseQuery {
		res, err := a.Query(context.Background(), &abci.RequestQuery{Path: "/balances/account/" + carol.Addr.String(), Height: height})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	oldest := int64(blocks - keep + 1)
	for _, tc := range []struct {
		height int64
		kept   bool
	}{{1, false}, {oldest - 1, false}, {oldest, true}, {blocks, true}, {0, true}} {
		res := query(pruned, tc.height)
		if kept := res.Code == 0; kept != tc.kept {
			t.Fatalf("query at height %d: code %d %q, want kept %v", tc.height, res.Code, res.Log, tc.kept)
		}
		if !tc.kept && !strings.Contains(res.Log, state.ErrVersionNotFound.Error()) {
			t.Fatalf("query at forgotten height %d: %q", tc.height, res.Log)
		}
		if res := query(archive, tc.height); res.Code != 0 {
			t.Fatalf("archive query at height %d: %q", tc.height, res.Log)
		}
	}
	st.Close()

	st, again := open()
	defer st.Close()
	info, _ := again.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != blocks {
		t.Fatalf("after restart: height %d, want %d", info.LastBlockHeight, blocks)
	}
	if res := query(again, oldest); res.Code != 0 {
		t.Fatalf("after restart, query at the oldest kept height %d: %q", oldest, res.Log)
	}
}
