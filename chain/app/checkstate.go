package app

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
)

// checkState is the mempool's view: the last committed state plus the
// nonces and fees of transactions admitted since. It lets one sender queue
// several transactions for the same block. Commit replaces it, and CometBFT
// re-checks the remaining mempool against the new one.
type checkState struct {
	view     *state.View
	accounts map[address.Address]balances.Account
}

func newCheckState(view *state.View) *checkState {
	return &checkState{view: view, accounts: map[address.Address]balances.Account{}}
}

func (c *checkState) account(addr address.Address) balances.Account {
	if a, ok := c.accounts[addr]; ok {
		return a
	}
	return balances.Keeper{}.Account(c.view, addr)
}

// admit checks the nonce and fee of t and, if they pass, records them.
func (c *checkState) admit(t *tx.Tx, _ Params) error {
	sender := t.Sender()
	acct := c.account(sender)
	if t.Nonce != acct.Nonce {
		return fmt.Errorf("%w: account %s expects nonce %d, tx has %d", tx.ErrWrongNonce, sender, acct.Nonce, t.Nonce)
	}
	nb, err := acct.Balance.Sub(t.Fee)
	if err != nil {
		return fmt.Errorf("%w: %s has %s, fee is %s", tx.ErrInsufficientFee, sender, acct.Balance.PHA(), t.Fee.PHA())
	}
	acct.Balance, acct.Nonce = nb, acct.Nonce+1
	c.accounts[sender] = acct
	return nil
}

// sigCache remembers hashes of transactions whose signatures CheckTx
// verified. The cache only skips work: a hash maps to the same bytes, so
// the verification result would be the same on any validator.
type sigCache struct {
	max  int
	seen map[[32]byte]struct{}
}

func newSigCache(max int) *sigCache { return &sigCache{max: max, seen: map[[32]byte]struct{}{}} }

func (s *sigCache) put(h [32]byte) {
	if len(s.seen) >= s.max {
		clear(s.seen)
	}
	s.seen[h] = struct{}{}
}

func (s *sigCache) has(h [32]byte) bool {
	_, ok := s.seen[h]
	return ok
}

// take reports whether h was verified, and forgets it.
func (s *sigCache) take(h [32]byte) bool {
	if _, ok := s.seen[h]; ok {
		delete(s.seen, h)
		return true
	}
	return false
}
