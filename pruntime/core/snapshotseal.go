package core

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Snapshot refusals: each names the check that failed, so a joiner's log
// says why it will not take a member's state.
var (
	// ErrSnapshotNotMember: the snapshot's sender is not a member of the
	// cluster on chain.
	ErrSnapshotNotMember = errors.New("snapshot-member: the sender is not a member of the cluster")
	// ErrSnapshotEpoch: the snapshot is sealed for another cluster epoch
	// than the chain's current one.
	ErrSnapshotEpoch = errors.New("snapshot-epoch: the snapshot is for another cluster epoch")
	// ErrSnapshotRecipient: the snapshot is sealed to another worker.
	ErrSnapshotRecipient = errors.New("snapshot-recipient: the snapshot is for another worker")
	// ErrSnapshotSeal: the ciphertext does not open under the cluster key
	// with its header (tampered, or the header was changed).
	ErrSnapshotSeal = errors.New("snapshot-seal: the snapshot does not open under the cluster key")
	// ErrSnapshotRoot: the state does not hash to the root the chain's
	// majority agreed on at the snapshot's position.
	ErrSnapshotRoot = errors.New("snapshot-root: the snapshot does not match the state root on chain")
)

// SnapshotHeader says what a sealed snapshot is; it travels in the clear
// and is bound into the seal, so the host can route it but not relabel it.
type SnapshotHeader struct {
	Kind    string   `json:"kind"`
	Cluster [32]byte `json:"cluster"`
	Epoch   uint64   `json:"epoch"`
	Subject [32]byte `json:"subject"`
	From    [32]byte `json:"from"`
	To      [32]byte `json:"to"`
	// Position is how far the state goes (a contract's next input).
	Position uint64 `json:"position"`
}

// SealedSnapshot is a member's state of one subject (a contract, an
// agent), sealed for one other member under the cluster key of an epoch.
type SealedSnapshot struct {
	Header     SnapshotHeader `json:"header"`
	Ciphertext []byte         `json:"ciphertext"`
}

const labelSnapshot = "phala/cluster_snapshot/v1"

// ad is the header as associated data.
func (h SnapshotHeader) ad() []byte {
	b := append([]byte("phala/snapshot/v1\x00"), h.Kind...)
	b = append(append(b, 0), h.Cluster[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Epoch)
	b = append(append(append(b, h.Subject[:]...), h.From[:]...), h.To[:]...)
	return binary.BigEndian.AppendUint64(b, h.Position)
}

// snapshotAEAD is the cipher under the cluster key of h's epoch.
func (c *Core) snapshotAEAD(h SnapshotHeader) (cipherAEAD, error) {
	cs, ok, err := c.clusterSecret(h.Cluster, h.Epoch)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: this worker holds no key of cluster %x epoch %d", ErrSnapshotEpoch, h.Cluster, h.Epoch)
	}
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, cs.Bytes(), nil, []byte(c.provider.DeriveLabel(labelSnapshot))), k); err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(k)
}

type cipherAEAD interface {
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
	NonceSize() int
}

// SealSnapshot seals body for h.To under the cluster key of h.Epoch, from
// this worker. Only the holders of that epoch's key (its members) open it.
func (c *Core) SealSnapshot(h SnapshotHeader, body []byte) (SealedSnapshot, error) {
	h.From = [32]byte(c.ID())
	a, err := c.snapshotAEAD(h)
	if err != nil {
		return SealedSnapshot{}, fmt.Errorf("seal snapshot: %w", err)
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return SealedSnapshot{}, err
	}
	return SealedSnapshot{Header: h, Ciphertext: a.Seal(nonce, nonce, body, h.ad())}, nil
}

// OpenSnapshot opens a snapshot sealed to this worker. It checks only the
// seal and the recipient; the caller checks the sender's membership and
// the epoch against the chain, and the contents against the chain's roots.
func (c *Core) OpenSnapshot(s SealedSnapshot) ([]byte, error) {
	if s.Header.To != [32]byte(c.ID()) {
		return nil, fmt.Errorf("%w: sealed to %x", ErrSnapshotRecipient, s.Header.To)
	}
	a, err := c.snapshotAEAD(s.Header)
	if err != nil {
		return nil, err
	}
	if len(s.Ciphertext) < a.NonceSize() {
		return nil, fmt.Errorf("%w: %d bytes", ErrSnapshotSeal, len(s.Ciphertext))
	}
	n := a.NonceSize()
	body, err := a.Open(nil, s.Ciphertext[:n], s.Ciphertext[n:], s.Header.ad())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshotSeal, err)
	}
	return body, nil
}
