// Package wallet builds shielded messages on the client: it finds the
// wallet's notes by scanning the chain's sealed notes with a viewing key,
// rebuilds their Merkle paths from the leaves, and proves shield, transfer
// and unshield messages with the circuits' proving keys. Nothing here runs
// on the chain.
package wallet

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/tree"
)

// Keys are one circuit's constraint system and proving key.
type Keys struct {
	CS constraint.ConstraintSystem
	PK groth16.ProvingKey
}

// Prover proves the three circuits.
type Prover struct {
	Keys map[circuit.Kind]Keys
	// Progress, when set, is told each step ("proving transfer", ...).
	Progress func(step string)
}

// Owned is a note of the wallet's at a leaf index.
type Owned struct {
	Note  note.Note
	Index uint64
}

// Payment is a note to create: value for an address.
type Payment struct {
	To    note.Address
	Value uint64
}

// Scan returns the notes among leaves that vk decrypts (and that match
// their commitments), in leaf order.
func Scan(vk note.ViewingKey, leaves []shielded.Leaf) []Owned {
	var out []Owned
	for _, l := range leaves {
		cm, err := circuit.FromBytes(l.Commitment)
		if err != nil {
			continue
		}
		if n, err := vk.Decrypt(l.Ciphertext, cm); err == nil {
			out = append(out, Owned{Note: n, Index: l.Index})
		}
	}
	return out
}

// Commitments are the leaves' commitments as field elements, for paths.
func Commitments(leaves []shielded.Leaf) ([]fr.Element, error) {
	out := make([]fr.Element, len(leaves))
	for i, l := range leaves {
		e, err := circuit.FromBytes(l.Commitment)
		if err != nil {
			return nil, fmt.Errorf("leaf %d: %w", l.Index, err)
		}
		out[i] = e
	}
	return out, nil
}

// Nullifier is the nullifier spending o with sk reveals.
func Nullifier(sk note.SpendingKey, o Owned) shielded.Hash {
	return hashOf(circuit.Nullifier(sk.Sk, o.Note.Commitment(), o.Index))
}

func hashOf(e fr.Element) shielded.Hash { return e.Bytes() }

// el is a 32-byte hash as a field element.
func el(h shielded.Hash) fr.Element {
	var e fr.Element
	e.SetBytes(h[:])
	return e
}

func (p *Prover) prove(kind circuit.Kind, assignment frontend.Circuit) ([]byte, error) {
	k, ok := p.Keys[kind]
	if !ok {
		return nil, fmt.Errorf("no proving key for %s", kind)
	}
	if p.Progress != nil {
		p.Progress("proving " + kind.String())
	}
	proof, err := circuit.Prove(k.CS, k.PK, assignment)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	if p.Progress != nil {
		p.Progress("proved " + kind.String())
	}
	return proof, nil
}

// output makes, seals and commits a new note.
func output(pay Payment) (circuit.OutNote, shielded.Hash, []byte, error) {
	n, err := note.New(pay.To, pay.Value)
	if err != nil {
		return circuit.OutNote{}, shielded.Hash{}, nil, err
	}
	ct, err := note.Encrypt(pay.To, n)
	if err != nil {
		return circuit.OutNote{}, shielded.Hash{}, nil, err
	}
	return circuit.OutNote{Value: n.Value, Owner: n.Owner, Rho: n.Rho}, hashOf(n.Commitment()), ct, nil
}

// Shield builds a shield of amount base units to addr.
func (p *Prover) Shield(to note.Address, amount uint64) (*shielded.MsgShield, error) {
	out, cm, ct, err := output(Payment{To: to, Value: amount})
	if err != nil {
		return nil, err
	}
	m := &shielded.MsgShield{Amount: pha.Units(amount), Commitment: cm, Ciphertext: ct}
	m.Proof, err = p.prove(circuit.KindShield, &circuit.Shield{Amount: amount, Commitment: el(cm), Bind: shielded.Bind(m), Owner: out.Owner, Rho: out.Rho})
	return m, err
}

// inputs builds the witness of up to two spent notes (a missing one is a
// zero-valued dummy) against the tree of leaves, and their nullifiers.
func inputs(sk note.SpendingKey, spend []Owned, leaves []fr.Element) (fr.Element, [2]circuit.InNote, [2]shielded.Hash, error) {
	var in [2]circuit.InNote
	var nfs [2]shielded.Hash
	if len(spend) == 0 || len(spend) > 2 {
		return fr.Element{}, in, nfs, fmt.Errorf("spend one or two notes, not %d", len(spend))
	}
	var root fr.Element
	zeros := circuit.Zeros()
	for i := range in {
		o := Owned{Note: note.Note{Owner: circuit.OwnerKey(sk.Sk)}}
		var path [circuit.Depth]fr.Element
		if i < len(spend) {
			o = spend[i]
			var err error
			if path, root, err = tree.Path(leaves, o.Index); err != nil {
				return root, in, nfs, err
			}
		} else {
			dummy, err := note.New(sk.Address(), 0)
			if err != nil {
				return root, in, nfs, err
			}
			o.Note = dummy
			path = [circuit.Depth]fr.Element(zeros[:circuit.Depth])
		}
		in[i] = circuit.InNote{Sk: sk.Sk, Value: o.Note.Value, Rho: o.Note.Rho, Index: o.Index}
		for h := range path {
			in[i].Path[h] = path[h]
		}
		nfs[i] = Nullifier(sk, o)
	}
	return root, in, nfs, nil
}

// Transfer spends one or two of sk's notes into two payments and a fee
// for relayer; leaves are the tree's commitments in order.
func (p *Prover) Transfer(sk note.SpendingKey, spend []Owned, pays [2]Payment, fee uint64, relayer address.Address, leaves []fr.Element) (*shielded.MsgTransfer, error) {
	root, in, nfs, err := inputs(sk, spend, leaves)
	if err != nil {
		return nil, err
	}
	m := &shielded.MsgTransfer{Root: hashOf(root), Nullifiers: nfs, Fee: pha.Units(fee), Relayer: relayer}
	a := &circuit.Transfer{Root: root, Fee: fee, In: in}
	for i := range pays {
		out, cm, ct, err := output(pays[i])
		if err != nil {
			return nil, err
		}
		a.Out[i], a.Commitments[i], a.Nullifiers[i] = out, el(cm), el(nfs[i])
		m.Commitments[i], m.Ciphertexts[i] = cm, ct
	}
	a.Bind = shielded.Bind(m)
	m.Proof, err = p.prove(circuit.KindTransfer, a)
	return m, err
}

// Unshield spends one or two of sk's notes into amount for recipient, a
// fee for relayer and change back to sk's address.
func (p *Prover) Unshield(sk note.SpendingKey, spend []Owned, recipient, relayer address.Address, amount, fee uint64, leaves []fr.Element) (*shielded.MsgUnshield, error) {
	root, in, nfs, err := inputs(sk, spend, leaves)
	if err != nil {
		return nil, err
	}
	var total uint64
	for _, o := range spend {
		total += o.Note.Value
	}
	if total < amount || total-amount < fee {
		return nil, fmt.Errorf("notes hold %d, need %d + fee %d", total, amount, fee)
	}
	out, cm, ct, err := output(Payment{To: sk.Address(), Value: total - amount - fee})
	if err != nil {
		return nil, err
	}
	m := &shielded.MsgUnshield{Root: hashOf(root), Nullifiers: nfs, Change: cm, ChangeCiphertext: ct,
		Amount: pha.Units(amount), Fee: pha.Units(fee), Recipient: recipient, Relayer: relayer}
	a := &circuit.Unshield{Root: root, Nullifiers: [2]frontend.Variable{el(nfs[0]), el(nfs[1])}, Change: el(cm),
		Amount: amount, Fee: fee, Bind: shielded.Bind(m), In: in, Out: out}
	m.Proof, err = p.prove(circuit.KindUnshield, a)
	return m, err
}

// Setup compiles every circuit and runs a single-party Groth16 setup: for
// tests and benchmarks only; a chain takes its keys from the ceremony.
func Setup() (*Prover, map[circuit.Kind]groth16.VerifyingKey, error) {
	p := &Prover{Keys: map[circuit.Kind]Keys{}}
	vks := map[circuit.Kind]groth16.VerifyingKey{}
	for _, k := range circuit.Kinds {
		cs, err := circuit.Compile(k)
		if err != nil {
			return nil, nil, err
		}
		pk, vk, err := groth16.Setup(cs)
		if err != nil {
			return nil, nil, fmt.Errorf("setup %s: %w", k, err)
		}
		p.Keys[k], vks[k] = Keys{CS: cs, PK: pk}, vk
	}
	return p, vks, nil
}

// Unspent keeps the notes whose nullifiers spent says are not spent (a
// wallet asks the chain: shielded.SpentPath).
func Unspent(sk note.SpendingKey, notes []Owned, spent func(nf shielded.Hash) (bool, error)) ([]Owned, error) {
	var out []Owned
	for _, o := range notes {
		s, err := spent(Nullifier(sk, o))
		if err != nil {
			return nil, fmt.Errorf("note %d: %w", o.Index, err)
		}
		if !s {
			out = append(out, o)
		}
	}
	return out, nil
}
