package worker_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/worker"
)

// TestDAORotatesKeys: on a devnet, accounts lock PHA for voting, a proposal
// to rotate the master key passes, is enacted after its delay, and the real
// gatekeeper enclave carries out the rotation to generation 1.
func TestDAORotatesKeys(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	keyState := func() keys.State { return keyState(c) }
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

// TestDAOGovernsMeasurements: with the sim measurement taken off the
// allow-list by a proposal, a new worker cannot register; a second
// proposal allows it again and the same worker registers. Voting weight
// comes from PHA locked in the DAO.
func TestDAOGovernsMeasurements(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	alice, _ := e.d.Keyring.PrivKey("alice")
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1_000_000)}); err != nil {
		t.Fatal(err)
	}
	m := &registry.Measurement{TEE: tee.KindSim, Value: worker.SimMeasurement()}
	enact := func(a dao.Action) {
		t.Helper()
		res, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgPropose{Title: a.Kind, Deposit: pha.Whole(10), Action: a})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := res.Attr(dao.EventPropose, dao.AttrProposal)
		id, _ := strconv.ParseUint(v, 10, 64)
		if _, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgVote{Proposal: id, Option: dao.VoteYes}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "proposal "+v+" enacted", func() (bool, error) {
			var p dao.Proposal
			_, err := c.Query(ctx, "/dao/proposal/"+v, &p)
			return p.Status == dao.StatusEnacted, err
		})
	}
	enact(dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: m})
	w := e.startWorker(t, filepath.Join(e.tempDir, "w"))
	defer w.Stop()
	eventually(t, "the worker's registration to be refused", func() (bool, error) {
		return strings.Contains(w.Status().LastError, "measurement"), nil
	})
	enact(dao.Action{Kind: dao.KindAllowMeasurement, Measurement: m})
	select {
	case <-w.Registered():
	case <-time.After(30 * time.Second):
		t.Fatalf("not registered after the measurement was allowed: %+v", w.Status())
	}
}
