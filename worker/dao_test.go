package worker_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// TestDAORotatesKeys: on a devnet, accounts lock PHA for voting, a proposal
// to rotate the master key passes, is enacted after its delay, and the real
// gatekeeper enclave carries out the rotation to generation 1.
func TestDAORotatesKeys(t *testing.T) {
	home := filepath.Join(t.TempDir(), "devnet")
	d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: 1, Gatekeepers: 1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	ctx := context.Background()
	c, _ := client.New(d.RPCURL)
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	keyState := func() keys.State {
		var st keys.State
		c.Query(ctx, "/keys/state", &st)
		return st
	}
	eventually(t, "generation 0", func() (bool, error) {
		st := keyState()
		return st.Generation != nil && len(st.CommittedAhead) == 1, nil
	})

	for _, k := range [][]byte{alice, bob} {
		if _, err := c.Send(ctx, k, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1_000_000)}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgPropose{Title: "rotate the master key", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindRotateKeys}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := res.Attr(dao.EventPropose, dao.AttrProposal)
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("proposal id %q", v)
	}
	for _, k := range [][]byte{alice, bob} {
		if _, err := c.Send(ctx, k, pha.Amount{}, "", &dao.MsgVote{Proposal: id, Option: dao.VoteYes}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the proposal to pass and be enacted", func() (bool, error) {
		var p dao.Proposal
		_, err := c.Query(ctx, "/dao/proposal/"+v, &p)
		return p.Status == dao.StatusEnacted, err
	})
	eventually(t, "generation 1 from the DAO's rotation", func() (bool, error) {
		st := keyState()
		return st.Generation != nil && st.Generation.Number == 1, nil
	})
}
