package devchain_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/evm/devchain"
)

// TestDevChainSealsAndKeepsAccounts: the dev chain answers on its RPC,
// seals blocks on its own, funds the dev accounts, and a restart in the
// same directory keeps the same accounts.
func TestDevChainSealsAndKeepsAccounts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	c, err := devchain.Start(ctx, devchain.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ethclient.DialContext(ctx, c.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := ec.ChainID(ctx); err != nil || id.Int64() != devchain.ChainID {
		t.Fatalf("chain id = %v, %v; want %d", id, err, devchain.ChainID)
	}
	for _, a := range c.Accounts {
		bal, err := ec.BalanceAt(ctx, a.Address, nil)
		if err != nil || bal.Cmp(devchain.AccountFunds) != 0 {
			t.Fatalf("%s holds %v (%v), want %v", a.Name, bal, err, devchain.AccountFunds)
		}
	}
	// The beacon seals empty blocks every period: wait for one.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for h := uint64(0); h == 0; {
		select {
		case <-ctx.Done():
			t.Fatal("no block sealed")
		case <-tick.C:
		}
		if h, err = ec.BlockNumber(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ec.Close()
	first := c.Accounts
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c2, err := devchain.Start(ctx, devchain.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	for i, a := range c2.Accounts {
		if a.Address != first[i].Address {
			t.Fatalf("account %s changed across restarts: %s -> %s", a.Name, first[i].Address, a.Address)
		}
	}
}
