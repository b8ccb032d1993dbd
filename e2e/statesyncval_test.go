package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/node"
)

// TestStateSyncValidator: a validator joins by state sync and signs. The
// chain has no message that adds a validator after genesis (no module
// returns validator updates), so the network starts with four validators
// of equal power in its genesis and the fourth one's node offline: the
// other three (3/4 of the power, above 2/3) produce blocks, transfers and
// snapshots. Then the fourth starts with only a trusted height: it
// restores the app state from a snapshot without the blocks before it,
// reaches the same AppHash as the others, and its signature appears in
// the commits of the blocks after it joined.
func TestStateSyncValidator(t *testing.T) {
	h := newLongHarness(t, "runs four validators")
	const interval = 10
	tn := h.initTestnet(4, "100ms")
	for _, home := range tn.homes {
		// The offline validator's turns to propose cost this long each.
		setConfig(t, home, func(cfg *cmtcfg.Config) { cfg.Consensus.TimeoutPropose = 500 * time.Millisecond })
	}
	var nodes []*proc
	for i := range 3 {
		nodes = append(nodes, h.start(fmt.Sprintf("node%d", i), "node", "--home", tn.homes[i], "--snapshot-interval", fmt.Sprint(interval)))
	}
	c := tn.clients[0]
	waitHeight(t, c, 3, 60*time.Second, nodes...)
	tr := startTransfers(c, openDevAccounts(t, tn.homes[0]))
	waitHeight(t, c, 4*interval, 120*time.Second, nodes...)
	sent := tr.stop()

	setConfig(t, tn.homes[3], func(cfg *cmtcfg.Config) { enableStateSync(t, cfg, c, tn.urls[0], interval) })
	joiner := h.start("node3", "node", "--home", tn.homes[3])
	jc := tn.clients[3]
	at := mustHeight(t, c) + 5
	waitHeight(t, jc, at, 90*time.Second, append(nodes, joiner)...)
	earliest, at, appHash := sameAppHashAfterSync(t, c, jc, at, append(nodes, joiner)...)
	jst, err := jc.RPC.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	signed := waitSigned(t, c, jst.ValidatorInfo.Address, at, append(nodes, joiner)...)
	t.Logf("validator node3 state-synced (earliest block %d, %d transfers before it), AppHash %s at %d, signed block %d",
		earliest, sent, appHash, at, signed)
}

// setConfig edits the CometBFT config of a home.
func setConfig(t *testing.T, home string, edit func(*cmtcfg.Config)) {
	t.Helper()
	cfg, err := node.Config(home)
	if err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	if err := node.WriteConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
}

// waitSigned waits until a block's commit after height from, as the node
// behind c has it, carries a signature of the validator at addr, and
// answers that block's height.
func waitSigned(t *testing.T, c *client.Client, addr []byte, from int64, procs ...*proc) int64 {
	t.Helper()
	var signed int64
	next := from + 1
	waitFor(t, 60*time.Second, fmt.Sprintf("a commit signed by %X", addr), func() (bool, error) {
		latest, err := height(c)
		if err != nil {
			return false, err
		}
		for ; next <= latest; next++ {
			b, err := c.RPC.Block(context.Background(), &next)
			if err != nil {
				return false, err
			}
			for _, sig := range b.Block.LastCommit.Signatures {
				if sig.BlockIDFlag == cmttypes.BlockIDFlagCommit && bytes.Equal(sig.ValidatorAddress, addr) {
					signed = next - 1
					return true, nil
				}
			}
		}
		return false, nil
	}, procs...)
	return signed
}
