package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/logger"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
)

func newShieldedCmd(g *globals) *cobra.Command {
	return newSignersCmd(&cobra.Command{
		Use:   "shielded",
		Short: "Private transfers of PHA: shield, send and unshield with zero-knowledge proofs",
		Long: `The shielded pool holds PHA as notes that only their owners can open: the
chain checks a Groth16 proof for every shield, send and unshield and learns
neither amounts (inside the pool) nor parties. Each account key in the
keyring has a shielded spending key derived from it, and a zpha1... address.
Proofs are made here, on the client, with the proving keys in --keys-dir
(a devnet started with --shielded writes them to <home>/shielded/).

The account given with --from signs the transaction and pays its fee, so it
is public: send and unshield from an account not linked to you (any account
may relay a shielded message) when that matters.`,
	}, "key name or address whose shielded key is used (and that signs)", func(from *string) []*cobra.Command {
		return []*cobra.Command{
			newShieldedAddressCmd(g, from),
			newShieldedBalanceCmd(g, from),
			newShieldedShieldCmd(g, from),
			newShieldedSendCmd(g, from),
			newShieldedUnshieldCmd(g, from),
			newShieldedExportViewingKeyCmd(g, from),
			newShieldedImportViewingKeyCmd(g),
			newShieldedCeremonyCmd(g),
		}
	})
}

// spendingKey is the shielded spending key of the keyring account from.
func (g *globals) spendingKey(from string) (note.SpendingKey, error) {
	if from == "" {
		return note.SpendingKey{}, fmt.Errorf("--from is required")
	}
	kr, info, err := g.findKey(from, "--from")
	if err != nil {
		return note.SpendingKey{}, err
	}
	return kr.SpendingKey(info.Name)
}

// keysDir is where the proving keys are: --keys-dir, else <home>/shielded.
func (g *globals) keysDir(flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(g.home, devnet.ShieldedDir)
}

// prover loads kind's proving key and reports each step, with the time
// since it started, on stderr; while it proves it ticks every two seconds,
// since a proof takes seconds.
func (g *globals) prover(dir string, kind circuit.Kind) (*wallet.Prover, error) {
	logger.Disable() // gnark's own logging would mix with the output
	start := time.Now()
	var mu sync.Mutex // the ticker and the prover both write
	say := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(g.errOut, "[%5.1fs] %s\n", time.Since(start).Seconds(), s)
	}
	var done chan struct{}
	step := func(s string) {
		say(s)
		if done != nil {
			close(done)
			done = nil
		}
		if strings.HasPrefix(s, "proving ") {
			done = make(chan struct{})
			go tick(done, func() { say(s + "...") })
		}
	}
	step("loading the " + kind.String() + " proving key from " + dir)
	k, err := wallet.LoadKeys(dir, kind)
	if err != nil {
		return nil, err
	}
	return &wallet.Prover{Keys: map[circuit.Kind]wallet.Keys{kind: k}, Progress: step}, nil
}

// tick calls f every two seconds until done is closed.
func tick(done <-chan struct{}, f func()) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			f()
		}
	}
}

// notes scans the whole tree with sk's viewing key and returns the
// tree's commitments and sk's unspent notes.
func notes(ctx context.Context, c *client.Client, sk note.SpendingKey) ([]shielded.Leaf, []wallet.Owned, error) {
	leaves, err := c.ShieldedLeaves(ctx)
	if err != nil {
		return nil, nil, err
	}
	unspent, err := wallet.Unspent(sk, wallet.Scan(sk.ViewingKey(), leaves), func(nf shielded.Hash) (bool, error) {
		return c.ShieldedSpent(ctx, nf)
	})
	return leaves, unspent, err
}

// pick chooses at most two of the notes (largest first) holding at least
// need; the circuits spend two notes at most.
func pick(owned []wallet.Owned, need uint64) ([]wallet.Owned, uint64, error) {
	sorted := append([]wallet.Owned(nil), owned...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Note.Value > sorted[j].Note.Value })
	var total uint64
	for i := 0; i < len(sorted) && i < 2; i++ {
		total += sorted[i].Note.Value
		if total >= need {
			return sorted[:i+1], total, nil
		}
	}
	return nil, total, fmt.Errorf("insufficient shielded funds: the two largest notes hold %s, need %s (a transfer spends at most two notes: send smaller amounts to yourself to merge notes)",
		pha.Units(total).PHA(), pha.Units(need).PHA())
}

// units parses an amount (e.g. "40PHA") into base units that fit a note.
func units(what, s string) (uint64, error) {
	a, err := pha.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	u, err := shielded.Uint64(a)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// shieldedFlags are the flags of the commands that prove.
type shieldedFlags struct {
	keysDir string
	fee     string
}

func (f *shieldedFlags) register(cmd *cobra.Command, withFee bool) {
	cmd.Flags().StringVar(&f.keysDir, "keys-dir", "", "directory of the proving keys (default <home>/shielded)")
	if withFee {
		cmd.Flags().StringVar(&f.fee, "shielded-fee", "0", "fee paid from the spent notes to the --from account, which relays the message")
	}
}

// spendPlan is what send and unshield need to prove a spend: the key, the
// relaying account, the notes picked, their total, the tree and a prover.
type spendPlan struct {
	sk      note.SpendingKey
	relayer address.Address
	spend   []wallet.Owned
	total   uint64
	fee     uint64
	tree    []fr.Element
	prover  *wallet.Prover
}

// planSpend picks --from's notes for amount plus the fee and loads kind's
// proving key.
func (g *globals) planSpend(ctx context.Context, from string, f *shieldedFlags, amount uint64, kind circuit.Kind) (*spendPlan, error) {
	fee, err := units("--shielded-fee", f.fee)
	if err != nil {
		return nil, err
	}
	sk, err := g.spendingKey(from)
	if err != nil {
		return nil, err
	}
	_, info, err := g.findKey(from, "--from")
	if err != nil {
		return nil, err
	}
	c, err := g.client()
	if err != nil {
		return nil, err
	}
	leaves, owned, err := notes(ctx, c, sk)
	if err != nil {
		return nil, err
	}
	if amount > math.MaxUint64-fee {
		return nil, fmt.Errorf("amount plus fee is over 64 bits")
	}
	p := &spendPlan{sk: sk, relayer: info.Address, fee: fee}
	if p.spend, p.total, err = pick(owned, amount+fee); err != nil {
		return nil, err
	}
	if p.tree, err = wallet.Commitments(leaves); err != nil {
		return nil, err
	}
	p.prover, err = g.prover(g.keysDir(f.keysDir), kind)
	return p, err
}

// sendShielded signs m (built with err) with from's key, sends it and
// prints "<verb> in block N".
func (g *globals) sendShielded(ctx context.Context, from, verb string, m tx.Msg, err error) error {
	if err != nil {
		return err
	}
	res, err := g.sendFrom(ctx, from, m)
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "%s in block %d\n", verb, res.Height) })
}
