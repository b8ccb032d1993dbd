package shielded

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/tree"
)

// verify checks a proof of kind against the message's public inputs.
func (m *Module) verify(ctx *module.Context, kind circuit.Kind, proof []byte, public []fr.Element) error {
	v, err := m.Keeper.Verifier(ctx.KV, kind)
	if err != nil {
		return err
	}
	if err := v.Verify(proof, public); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadProof, kind, err)
	}
	return nil
}

// checkRoot accepts the current root, or one replaced at most RootWindow
// blocks ago.
func (m *Module) checkRoot(ctx *module.Context, f *tree.Frontier, root Hash) error {
	cur := f.Root.Bytes()
	if bytes.Equal(cur[:], root[:]) {
		return nil
	}
	seen, ok := m.Keeper.RootSeen(ctx.KV, root[:])
	if !ok {
		return fmt.Errorf("%w: %x", ErrUnknownRoot, root)
	}
	if window := m.Keeper.RootWindow(ctx.KV); uint64(ctx.Height) > seen+window {
		return fmt.Errorf("%w: %x was replaced at height %d, window %d blocks, now %d", ErrStaleRoot, root, seen, window, ctx.Height)
	}
	return nil
}

// checkUnspent refuses a nullifier already in the set.
func (m *Module) checkUnspent(ctx *module.Context, nfs [2]Hash) error {
	for _, nf := range nfs {
		if m.Keeper.Spent(ctx.KV, nf[:]) {
			return fmt.Errorf("%w: %x", ErrDoubleSpend, nf)
		}
	}
	return nil
}

// checkRoom refuses when n more leaves do not fit.
func checkRoom(f *tree.Frontier, n uint64) error {
	if f.Size+n > tree.Capacity {
		return fmt.Errorf("%w: %d of %d leaves used", ErrTreeFull, f.Size, tree.Capacity)
	}
	return nil
}

// addNotes appends commitments with their sealed notes, retiring the
// replaced roots, and returns the first new leaf index.
func (m *Module) addNotes(ctx *module.Context, f *tree.Frontier, cms []Hash, cts [][]byte) uint64 {
	first := f.Size
	for i := range cms {
		old := f.Root.Bytes()
		m.Keeper.retireRoot(ctx.KV, old[:], uint64(ctx.Height))
		var leaf fr.Element
		leaf.SetBytes(cms[i][:]) // canonical: checked by PublicInputs
		idx, _ := f.Append(leaf) // room checked by checkRoom
		m.Keeper.setLeaf(ctx.KV, idx, cms[i], cts[i])
	}
	m.Keeper.setFrontier(ctx.KV, f)
	return first
}

// spendChecks runs every check of a spend that needs state but no proof.
func (m *Module) spendChecks(ctx *module.Context, f *tree.Frontier, root Hash, nfs [2]Hash, newLeaves uint64) error {
	if err := m.checkRoot(ctx, f, root); err != nil {
		return err
	}
	if err := m.checkUnspent(ctx, nfs); err != nil {
		return err
	}
	return checkRoom(f, newLeaves)
}

// pay moves amount from the pool to to.
func pay(ctx *module.Context, to address.Address, amount pha.Amount) error {
	if amount.IsZero() {
		return nil
	}
	err := balances.Keeper{}.Transfer(ctx.KV, PoolAccount, to, amount)
	if errors.Is(err, balances.ErrInsufficientFunds) {
		return fmt.Errorf("%w: %v", ErrPoolTooSmall, err)
	}
	return err
}

// handleShield takes Amount from sender into the pool as one note.
func (m *Module) handleShield(ctx *module.Context, sender address.Address, msg *MsgShield) error {
	public, err := msg.PublicInputs()
	if err != nil {
		return err
	}
	f := m.Keeper.Frontier(ctx.KV)
	if err := checkRoom(&f, 1); err != nil {
		return err
	}
	if err := m.verify(ctx, circuit.KindShield, msg.Proof, public); err != nil {
		return err
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, PoolAccount, msg.Amount); err != nil {
		return fmt.Errorf("shield: %w", err)
	}
	first := m.addNotes(ctx, &f, []Hash{msg.Commitment}, [][]byte{msg.Ciphertext})
	emitNotes(ctx, EventShield, first, 1, 0)
	return nil
}

// handleTransfer spends two notes into two, paying the fee to the relayer.
func (m *Module) handleTransfer(ctx *module.Context, _ address.Address, msg *MsgTransfer) error {
	public, err := msg.PublicInputs()
	if err != nil {
		return err
	}
	f := m.Keeper.Frontier(ctx.KV)
	if err := m.spendChecks(ctx, &f, msg.Root, msg.Nullifiers, 2); err != nil {
		return err
	}
	if err := m.verify(ctx, circuit.KindTransfer, msg.Proof, public); err != nil {
		return err
	}
	if err := pay(ctx, msg.Relayer, msg.Fee); err != nil {
		return fmt.Errorf("transfer fee: %w", err)
	}
	m.spendAll(ctx, msg.Nullifiers)
	first := m.addNotes(ctx, &f, msg.Commitments[:], msg.Ciphertexts[:])
	emitNotes(ctx, EventTransfer, first, 2, 2)
	return nil
}

// handleUnshield spends two notes into public PHA for the recipient, the
// fee for the relayer and a change note.
func (m *Module) handleUnshield(ctx *module.Context, _ address.Address, msg *MsgUnshield) error {
	public, err := msg.PublicInputs()
	if err != nil {
		return err
	}
	f := m.Keeper.Frontier(ctx.KV)
	if err := m.spendChecks(ctx, &f, msg.Root, msg.Nullifiers, 1); err != nil {
		return err
	}
	if err := m.verify(ctx, circuit.KindUnshield, msg.Proof, public); err != nil {
		return err
	}
	if err := pay(ctx, msg.Recipient, msg.Amount); err != nil {
		return fmt.Errorf("unshield: %w", err)
	}
	if err := pay(ctx, msg.Relayer, msg.Fee); err != nil {
		return fmt.Errorf("unshield fee: %w", err)
	}
	m.spendAll(ctx, msg.Nullifiers)
	first := m.addNotes(ctx, &f, []Hash{msg.Change}, [][]byte{msg.ChangeCiphertext})
	emitNotes(ctx, EventUnshield, first, 1, 2)
	return nil
}

// spendAll adds the nullifiers to the spent set.
func (m *Module) spendAll(ctx *module.Context, nfs [2]Hash) {
	for _, nf := range nfs {
		m.Keeper.spend(ctx.KV, nf[:], uint64(ctx.Height))
	}
}

// endBlock forgets roots replaced more than
// two windows ago. Between one and two windows a root is refused as stale
// (ErrStaleRoot says why); after that as unknown.
func (m *Module) endBlock(ctx *module.Context) error {
	if keep := 2 * m.Keeper.RootWindow(ctx.KV); uint64(ctx.Height) > keep {
		m.Keeper.pruneRoots(ctx.KV, uint64(ctx.Height)-keep)
	}
	return nil
}
