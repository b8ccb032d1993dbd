package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// TestFourValidatorsSurviveKill runs a 4-validator network from
// `phala testnet`, SIGKILLs one validator while transfers keep coming,
// checks that the other three keep committing, restarts the killed one and
// checks that it catches up to the same state and holds every transaction
// committed meanwhile.
func TestFourValidatorsSurviveKill(t *testing.T) {
	h := newLongHarness(t, "runs a 4-validator network for about half a minute")
	const n = 4
	tn := h.initTestnet(n, "500ms")
	nodes := h.startNodes(tn)
	homes, urls, clients := tn.homes, tn.urls, tn.clients
	t.Logf("all %d validators at height 3", n)

	acc := openDevAccounts(t, homes[0])
	kr, aliceKey := acc.kr, acc.aliceKey
	alice, bob := acc.alice.String(), acc.bob.String()
	alice0, bob0 := h.balance(urls[0], alice), h.balance(urls[0], bob)

	// Transfers from alice to bob, each through the given node; sent and
	// fees add up what alice paid.
	var sent, fees pha.Amount
	var count uint64
	transfer := func(node int, amount pha.Amount) {
		t.Helper()
		// A node answers queries from its own last commit, so it may not
		// know yet of the transfer just committed through another node:
		// wait until it sees alice's nonce move past it.
		waitFor(t, 30*time.Second, fmt.Sprintf("node%d to see alice's nonce %d", node, count), func() (bool, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			acct, err := clients[node].Account(ctx, acc.alice)
			return err == nil && acct.Nonce >= count, err
		}, nodes[node])
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := clients[node].Send(ctx, aliceKey, pha.Amount{}, "e2e", &balances.MsgTransfer{To: acc.bob, Amount: amount})
		if err != nil {
			t.Fatalf("transfer %s through node%d: %v", amount.PHA(), node, err)
		}
		fee, err := pha.Parse(res.Fee)
		if err != nil {
			t.Fatalf("fee %q: %v", res.Fee, err)
		}
		sent, fees = mustAdd(t, sent, amount), mustAdd(t, fees, fee)
		count++
		t.Logf("transfer of %s committed through node%d at height %d", amount.PHA(), node, res.Height)
	}
	transfer(0, pha.Whole(1))
	transfer(1, pha.Whole(2))
	load := startTransferLoad(t, kr, clients[1])

	// SIGKILL node3: the other three hold 3/4 of the power and go on.
	nodes[3].kill()
	t.Logf("killed node3")
	live := nodes[:3]
	killedAt := maxHeight(t, clients[:3])
	for i := range 3 {
		waitHeight(t, clients[i], killedAt+3, 60*time.Second, live...)
	}
	transfer(1, pha.Whole(3))
	transfer(2, pha.Whole(4))

	// Restart node3 on its home: it catches up with the others.
	restartAt := maxHeight(t, clients[:3])
	nodes[3] = h.start("node3-restart", "node", "--home", homes[3])
	caughtUp := time.Now()
	waitHeight(t, clients[3], restartAt+2, 90*time.Second, nodes...)
	t.Logf("node3 restarted at others' height %d and reached %d in %s", restartAt, restartAt+2, time.Since(caughtUp).Round(time.Millisecond))
	load.stop(t)
	for _, c := range clients {
		waitHeight(t, c, load.lastHeight()+1, 60*time.Second, nodes...)
	}
	load.check(t, clients)

	// All four agree on a recent block and the state after it: the app hash
	// of height H is in the header of block H+1.
	// Block hh+1 is on every node and was committed after node3 restarted.
	hh, heights := commonHeight(t, clients)
	if hh < restartAt {
		t.Fatalf("common height %d is below node3's restart height %d (heights %v)", hh, restartAt, heights)
	}
	refApp, refBlock := agreeAt(t, clients, hh)
	t.Logf("all %d nodes agree on block %d (%X) and its app hash %X", n, hh, refBlock, refApp)

	// Balances agree everywhere and add up.
	wantBob := mustAdd(t, bob0, sent)
	wantAlice := mustSub(t, mustSub(t, alice0, sent), fees)
	for i, url := range urls {
		if got := h.balance(url, bob); got.Cmp(wantBob) != 0 {
			t.Errorf("node%d: bob has %s, want %s", i, got.PHA(), wantBob.PHA())
		}
		if got := h.balance(url, alice); got.Cmp(wantAlice) != 0 {
			t.Errorf("node%d: alice has %s, want %s", i, got.PHA(), wantAlice.PHA())
		}
	}
}

// transferLoad is transfers from carol to a fresh account, one after
// another through one node, recording each committed one.
type transferLoad struct {
	to        address.Address
	loops     *loops
	committed []*client.Committed
	errs      []string
}

func startTransferLoad(t *testing.T, kr *keyring.Keyring, c *client.Client) *transferLoad {
	t.Helper()
	carol, err := kr.PrivKey("carol")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	l := &transferLoad{to: address.FromPubKey(pub), loops: newLoops()}
	l.loops.run(func(int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := c.Send(ctx, carol, pha.Amount{}, "load", &balances.MsgTransfer{To: l.to, Amount: pha.Whole(1)})
		cancel()
		if err != nil {
			l.errs = append(l.errs, err.Error())
			return
		}
		l.committed = append(l.committed, res)
	})
	return l
}

func (l *transferLoad) stop(t *testing.T) {
	l.loops.stop()
	t.Logf("transfer load: %d committed, %d errors", len(l.committed), len(l.errs))
}

func (l *transferLoad) lastHeight() int64 {
	if len(l.committed) == 0 {
		return 0
	}
	return l.committed[len(l.committed)-1].Height
}

// check: every node, the restarted one included, has every committed
// transfer in its block and credits the recipient with exactly their sum.
// A transfer the client saw fail must not have been committed either.
func (l *transferLoad) check(t *testing.T, clients []*client.Client) {
	t.Helper()
	if len(l.committed) < 5 {
		t.Fatalf("only %d transfers committed under load (errors: %v)", len(l.committed), l.errs)
	}
	want := pha.Whole(uint64(len(l.committed)))
	for i, c := range clients {
		for _, res := range l.committed {
			hash, _ := hex.DecodeString(res.Hash)
			r, err := c.RPC.Tx(t.Context(), hash, false)
			if err != nil || r.Height != res.Height || r.TxResult.Code != 0 {
				t.Fatalf("node%d lacks transfer %s committed at height %d: %v", i, res.Hash, res.Height, err)
			}
		}
		acct, err := c.Account(t.Context(), l.to)
		if err != nil || acct.Balance != want {
			t.Fatalf("node%d: the load's recipient has %s, want %s (%d committed, errors %v): %v", i, acct.Balance.PHA(), want.PHA(), len(l.committed), l.errs, err)
		}
	}
}

// maxHeight is the highest latest height among the clients' nodes.
func maxHeight(t *testing.T, clients []*client.Client) int64 {
	t.Helper()
	var m int64
	for _, c := range clients {
		m = max(m, mustHeight(t, c))
	}
	return m
}

// commonHeight is the height whose next block every client's node has
// (one below the lowest latest height), and the heights it came from.
func commonHeight(t *testing.T, clients []*client.Client) (int64, []int64) {
	t.Helper()
	heights := make([]int64, len(clients))
	for i, c := range clients {
		heights[i] = mustHeight(t, c)
	}
	return slices.Min(heights) - 1, heights
}

// agreeAt checks that every client's node has the same block hh and app
// hash after it, and returns node0's.
func agreeAt(t *testing.T, clients []*client.Client, hh int64) (refApp, refBlock []byte) {
	t.Helper()
	for i, c := range clients {
		app, blk := appHashAfter(t, c, hh)
		if i == 0 {
			refApp, refBlock = app, blk
			continue
		}
		if !bytes.Equal(app, refApp) || !bytes.Equal(blk, refBlock) {
			t.Fatalf("node%d disagrees at height %d: block %X app hash %X, node0 has block %X app hash %X",
				i, hh, blk, app, refBlock, refApp)
		}
	}
	return refApp, refBlock
}

// appHashAfter returns the app hash after block height (from the header of
// block height+1) and the hash of block height.
func appHashAfter(t *testing.T, c *client.Client, height int64) (appHash, blockHash []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	next := height + 1
	b, err := c.RPC.Block(ctx, &next)
	if err != nil {
		t.Fatalf("block %d from %s: %v", next, c.RPC.Remote(), err)
	}
	if b.Block.Height != next {
		t.Fatalf("block %d from %s has height %d", next, c.RPC.Remote(), b.Block.Height)
	}
	// The header of H+1 names block H by its hash.
	return b.Block.AppHash, b.Block.LastBlockID.Hash
}
