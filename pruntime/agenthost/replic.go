package agenthost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Replication of agent state (docs/agents.md, "Agent state:
// consistency"). This file is the pure core: messages, their chain, acks
// and snapshots, with no store, clock or network. A write is sealed under
// the agent's state key (derived from the cluster key, so only members of
// the epoch can read or forge it); the host carries ciphertext only.
var (
	ErrReplayed     = errors.New("agent state: replication message replayed (sequence already applied)")
	ErrGap          = errors.New("agent state: replication message out of order (a sequence number is missing before it)")
	ErrChainBroken  = errors.New("agent state: replication message does not extend this member's chain (previous hash differs)")
	ErrForeignEpoch = errors.New("agent state: replication message of another cluster epoch")
	ErrNotMember    = errors.New("agent state: not a member of the agent's cluster")
	ErrSealedState  = errors.New("agent state: does not open under the agent's state key")
	ErrNoQuorum     = errors.New("agent state: write not acknowledged by a majority of the cluster's members")
	ErrStateMoved   = errors.New("agent state: the agent's state moved during the call")
)

// stateKeyLabel names the sub-key of an agent's key that seals its state.
const stateKeyLabel = "agent-state"

// Head is the last applied write of an agent's chain.
type Head struct {
	Seq  uint64   `json:"seq"`
	Hash [32]byte `json:"hash"`
}

// Write is one kv change: Value nil deletes Key.
type Write struct {
	Key   string  `json:"k"`
	Value *string `json:"v,omitempty"`
}

// Op is what one hop of a call changed: its kv writes in order and the
// lines it logged.
type Op struct {
	Writes []Write   `json:"w,omitempty"`
	Log    []LogLine `json:"l,omitempty"`
}

// ReplMsg is one replicated write of an agent: its place in the agent's
// chain (Seq, Prev), the epoch whose key sealed it, the member that made
// it, and the sealed Op.
type ReplMsg struct {
	Agent  [32]byte `json:"agent"`
	Epoch  uint64   `json:"epoch"`
	Seq    uint64   `json:"seq"`
	Prev   [32]byte `json:"prev"`
	From   [32]byte `json:"from"`
	Sealed []byte   `json:"sealed"`
}

// header is the message's authenticated header (the AEAD's additional
// data and the start of its hash).
func (m ReplMsg) header() []byte {
	b := append([]byte("phala/agent-state/msg/v1"), m.Agent[:]...)
	b = binary.BigEndian.AppendUint64(b, m.Epoch)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = append(b, m.Prev[:]...)
	return append(b, m.From[:]...)
}

// Hash is the chain hash of the message: what the next one names as Prev.
func (m ReplMsg) Hash() [32]byte {
	return sha256.Sum256(append(m.header(), m.Sealed...))
}

// checkNext checks that m may be applied on head by a member of the
// agent's cluster at epoch: the sender a member, the epoch the agent's,
// the next sequence number, chained to head.
func checkNext(head Head, m ReplMsg, epoch uint64, isMember func([32]byte) bool) error {
	if m.Epoch != epoch {
		return fmt.Errorf("%w: message of epoch %d, the agent's is %d", ErrForeignEpoch, m.Epoch, epoch)
	}
	if !isMember(m.From) {
		return fmt.Errorf("%w: sender %x", ErrNotMember, m.From[:8])
	}
	switch {
	case m.Seq <= head.Seq:
		return fmt.Errorf("%w: sequence %d, this member is at %d", ErrReplayed, m.Seq, head.Seq)
	case m.Seq > head.Seq+1:
		return fmt.Errorf("%w: sequence %d, this member is at %d", ErrGap, m.Seq, head.Seq)
	case m.Prev != head.Hash:
		return fmt.Errorf("%w: sequence %d", ErrChainBroken, m.Seq)
	}
	return nil
}

// seal encrypts v under key with additional data ad: nonce | ciphertext.
func seal(key []byte, ad []byte, v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, ad), nil
}

// open decrypts what seal made into v.
func open(key []byte, ad []byte, sealed []byte, v any) error {
	aead, err := newAEAD(key)
	if err != nil {
		return err
	}
	if len(sealed) < aead.NonceSize() {
		return fmt.Errorf("%w: too short", ErrSealedState)
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ad)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSealedState, err)
	}
	return json.Unmarshal(plain, v)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// newMsg seals op as write head.Seq+1 of agent, chained to head.
func newMsg(key []byte, agent, from [32]byte, epoch uint64, head Head, op Op) (ReplMsg, error) {
	m := ReplMsg{Agent: agent, Epoch: epoch, Seq: head.Seq + 1, Prev: head.Hash, From: from}
	var err error
	m.Sealed, err = seal(key, m.header(), op)
	return m, err
}

// openMsg opens m's Op.
func openMsg(key []byte, m ReplMsg) (Op, error) {
	var op Op
	return op, open(key, m.header(), m.Sealed, &op)
}

// Ack is a member's word that it applied a write: a MAC under the agent's
// state key, so the host cannot make one up.
type Ack struct {
	Agent  [32]byte `json:"agent"`
	Seq    uint64   `json:"seq"`
	Hash   [32]byte `json:"hash"`
	Member [32]byte `json:"member"`
	MAC    []byte   `json:"mac"`
}

func (a Ack) mac(key []byte) []byte {
	return stateMAC(key, "phala/agent-state/ack/v1", a.Agent[:], binary.BigEndian.AppendUint64(nil, a.Seq), a.Hash[:], a.Member[:])
}

// stateMAC is the HMAC under an agent's state key of label and parts, in
// order: what a member says to another (an ack, a head) that the host must
// not make up.
func stateMAC(key []byte, label string, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// newAck acknowledges m for member.
func newAck(key []byte, m ReplMsg, member [32]byte) Ack {
	a := Ack{Agent: m.Agent, Seq: m.Seq, Hash: m.Hash(), Member: member}
	a.MAC = a.mac(key)
	return a
}

// countAcks counts the distinct members other than self whose acks of m
// are genuine.
func countAcks(key []byte, m ReplMsg, self [32]byte, acks []Ack, isMember func([32]byte) bool) int {
	hash, seen := m.Hash(), map[[32]byte]bool{}
	for _, a := range acks {
		if a.Agent != m.Agent || a.Seq != m.Seq || a.Hash != hash || a.Member == self || !isMember(a.Member) || !hmac.Equal(a.MAC, a.mac(key)) {
			continue
		}
		seen[a.Member] = true
	}
	return len(seen)
}

// quorum is a majority of a cluster of n members.
func quorum(n int) int { return n/2 + 1 }

// Snapshot is a member's whole state of an agent, sealed under the
// agent's state key of Epoch, for a member that syncs (a new primary, a
// member that was down or joined late).
type Snapshot struct {
	Agent  [32]byte `json:"agent"`
	Epoch  uint64   `json:"epoch"`
	Head   Head     `json:"head"`
	Member [32]byte `json:"member"`
	Sealed []byte   `json:"sealed"`
}

// snapshotBody is what a snapshot seals.
type snapshotBody struct {
	KV  map[string]string `json:"kv"`
	Log []LogLine         `json:"log"`
}

func (s Snapshot) header() []byte {
	b := append([]byte("phala/agent-state/snapshot/v1"), s.Agent[:]...)
	b = binary.BigEndian.AppendUint64(b, s.Epoch)
	b = binary.BigEndian.AppendUint64(b, s.Head.Seq)
	b = append(b, s.Head.Hash[:]...)
	return append(b, s.Member[:]...)
}

// newSnapshot seals st as member's snapshot.
func newSnapshot(key []byte, agent, member [32]byte, epoch uint64, st *agentState) (Snapshot, error) {
	s := Snapshot{Agent: agent, Epoch: epoch, Head: st.Head, Member: member}
	var err error
	s.Sealed, err = seal(key, s.header(), snapshotBody{KV: st.KV, Log: st.Log})
	return s, err
}

// openSnapshot checks s is agent's, from a member, and opens it.
func openSnapshot(key []byte, agent [32]byte, s Snapshot, isMember func([32]byte) bool) (snapshotBody, error) {
	var body snapshotBody
	if s.Agent != agent {
		return body, fmt.Errorf("%w: snapshot of agent %x", ErrSealedState, s.Agent[:8])
	}
	if !isMember(s.Member) {
		return body, fmt.Errorf("%w: snapshot from %x", ErrNotMember, s.Member[:8])
	}
	return body, open(key, s.header(), s.Sealed, &body)
}

// pickLatest chooses the state to sync to among candidates (own included):
// the highest sequence; at the same sequence, the head most members hold
// (a write only one member kept was never acknowledged). It returns the
// index of the choice.
func pickLatest(heads []Head) int {
	best, votes := -1, map[Head]int{}
	for _, h := range heads {
		votes[h]++
	}
	for i, h := range heads {
		if best < 0 || h.Seq > heads[best].Seq || (h.Seq == heads[best].Seq && votes[h] > votes[heads[best]]) {
			best = i
		}
	}
	return best
}
