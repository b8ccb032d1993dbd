package core

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrSnapshotRequest: a snapshot request is not signed by the member it
// names as the recipient, for this chain, at a height near this worker's.
var ErrSnapshotRequest = errors.New("snapshot-request: not a recent request signed by its recipient")

// SnapshotRequest is a member's signed request for another member's
// snapshot of a subject, sealed to it. Answering copies and seals the
// subject's whole state under the replica's lock, so only the member the
// snapshot would be sealed to may ask: it signs the request with its
// identity inside its enclave. Height is its synced height when it signed,
// which bounds how long its host can replay the request.
type SnapshotRequest struct {
	Kind    string   `json:"kind"`
	Subject [32]byte `json:"subject"`
	To      [32]byte `json:"to"`
	Height  int64    `json:"height"`
	Sig     []byte   `json:"sig"`
}

// SnapshotRequestWindow is how many blocks the asker's height may be from
// the answerer's: both follow the same chain, a few blocks apart.
const SnapshotRequestWindow = 100

func (r SnapshotRequest) signBytes(chainID string) []byte {
	b := append([]byte("phala/snapshot-request/v1\x00"), chainID...)
	b = append(append(append(b, 0), r.Kind...), 0)
	b = append(append(b, r.Subject[:]...), r.To[:]...)
	return binary.BigEndian.AppendUint64(b, uint64(r.Height))
}

// SignSnapshotRequest makes this worker's request for a member's snapshot
// of subject, at its synced height.
func (c *Core) SignSnapshotRequest(kind string, subject [32]byte) SnapshotRequest {
	r := SnapshotRequest{Kind: kind, Subject: subject, To: [32]byte(c.PublicKey()), Height: c.SyncedHeight()}
	r.Sig = ed25519.Sign(c.identity, r.signBytes(c.chainID))
	return r
}

// CheckSnapshotRequest checks that r is signed by the worker it names as
// the recipient (a worker id is its identity key), for this chain, at a
// height within SnapshotRequestWindow of this worker's synced height.
func (c *Core) CheckSnapshotRequest(r SnapshotRequest) error {
	if !ed25519.Verify(ed25519.PublicKey(r.To[:]), r.signBytes(c.chainID), r.Sig) {
		return fmt.Errorf("%w: the signature is not %x's", ErrSnapshotRequest, r.To[:8])
	}
	if h := c.SyncedHeight(); r.Height < h-SnapshotRequestWindow || r.Height > h+SnapshotRequestWindow {
		return fmt.Errorf("%w: signed at height %d, this worker is at %d (at most %d apart)", ErrSnapshotRequest, r.Height, h, SnapshotRequestWindow)
	}
	return nil
}
