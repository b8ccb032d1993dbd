package explorer_test

import (
	"context"
	"crypto/ed25519"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

// TestExplorerPools: a worker mining in a stake pool shows with its pool,
// the share price rising in the page's history.
func TestExplorerPools(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	miner := e.d.Workers[1]
	owner, _ := e.d.Keyring.PrivKey("worker1")
	res, err := e.c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgCreate{CommissionBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.Attr(stakepool.EventCreated, stakepool.AttrPool)
	pool, _ := strconv.ParseUint(id, 10, 64)
	for _, m := range []struct {
		key ed25519.PrivateKey
		msg tx.Msg
	}{
		{owner, &stakepool.MsgAddWorker{Pool: pool, Worker: miner.ID()}},
		{e.alice, &stakepool.MsgContribute{Pool: pool, Amount: pha.Whole(50_000)}},
		{owner, &stakepool.MsgStartComputing{Pool: pool, Worker: miner.ID(), Stake: pha.Whole(40_000)}},
	} {
		if _, err := e.c.Send(ctx, m.key, pha.Amount{}, "", m.msg); err != nil {
			t.Fatal(err)
		}
	}
	var view struct {
		Price   string `json:"share_price"`
		Workers []struct {
			Worker string
			State  string
		} `json:"worker_list"`
		History []struct {
			Height int64
			Price  string
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		e.get(t, "pool/"+id, 200, &view)
		if len(view.History) >= 2 && view.History[len(view.History)-1].Price > view.History[0].Price {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rising price history: %+v", view)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(view.Workers) != 1 || view.Workers[0].Worker != miner.ID().String() || view.Workers[0].State != "computing" {
		t.Fatalf("pool workers %+v", view.Workers)
	}
	var list struct{ Pools []struct{ ID uint64 } }
	e.get(t, "pools", 200, &list)
	if len(list.Pools) != 1 || list.Pools[0].ID != pool {
		t.Fatalf("pools %+v", list)
	}
	e.get(t, "pool/999", 404, nil)
	e.get(t, "pool/x", 400, nil)

	// A DAO proposal shows with its live count.
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgPropose{Title: "hello <b>DAO</b>", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgVote{Proposal: 1, Option: dao.VoteYes}); err != nil {
		t.Fatal(err)
	}
	var props struct {
		Proposals []struct {
			ID            uint64
			Title, Status string
			Yes           string
		}
	}
	e.get(t, "proposals", 200, &props)
	if len(props.Proposals) != 1 || props.Proposals[0].Title != "hello <b>DAO</b>" || props.Proposals[0].Yes == "" || props.Proposals[0].Yes == "0PHA" || props.Proposals[0].Status != "voting" {
		t.Fatalf("proposals %+v", props)
	}
	e.get(t, "proposal/1", 200, nil)
	e.get(t, "proposal/77", 404, nil)

	// A vault delegating to the pool shows with its position.
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &vault.MsgCreate{CommissionBps: 300}); err != nil {
		t.Fatal(err)
	}
	bobKey, _ := e.d.Keyring.PrivKey("bob")
	if _, err := e.c.Send(ctx, bobKey, pha.Amount{}, "", &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(2000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &vault.MsgDelegate{Vault: 1, Pool: pool, Amount: pha.Whole(1500)}); err != nil {
		t.Fatal(err)
	}
	var vv struct {
		Free      string
		Positions []struct{ Pool uint64 }
	}
	e.get(t, "vault/1", 200, &vv)
	if len(vv.Positions) != 1 || vv.Positions[0].Pool != pool || vv.Free != "500PHA" {
		t.Fatalf("vault %+v", vv)
	}
	var vl struct{ Vaults []struct{ ID uint64 } }
	e.get(t, "vaults", 200, &vl)
	if len(vl.Vaults) != 1 {
		t.Fatalf("vaults %+v", vl)
	}
	e.get(t, "vault/9", 404, nil)
}
