package core

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee/sim"
)

// FuzzOpenSnapshot: a sealed snapshot reaches a joiner's enclave through
// its host from another member; no header or ciphertext panics
// OpenSnapshot, every refusal names its check (recipient, epoch, seal),
// and only the snapshot as sealed opens, to the body sealed.
func FuzzOpenSnapshot(f *testing.F) {
	st, err := sealed.Open(f.TempDir(), make([]byte, 32), "test")
	if err != nil {
		f.Fatal(err)
	}
	prov, err := sim.New(sim.Config{AttestationKey: ed25519.NewKeyFromSeed(make([]byte, 32)), SealingSeed: make([]byte, sim.SealingSeedSize), Code: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	c := &Core{store: st, provider: prov, identity: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))}
	cluster := [32]byte{7}
	if _, err := c.sealClusterKey(ClusterKeyRecord{Cluster: keys.Hex(cluster[:]), Epoch: 3, Secret: bytes.Repeat([]byte{2}, 32)}); err != nil {
		f.Fatal(err)
	}
	body := []byte(`{"balance":950}`)
	h := SnapshotHeader{Kind: "contract", Cluster: cluster, Epoch: 3, Subject: [32]byte{4}, To: [32]byte(c.ID()), Position: 12}
	s, err := c.SealSnapshot(h, body)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h.Kind, h.Epoch, h.Position, true, s.Ciphertext)
	f.Add(h.Kind, h.Epoch, h.Position, false, s.Ciphertext)
	f.Add(h.Kind, h.Epoch+1, h.Position, true, s.Ciphertext)
	f.Add("agent", h.Epoch, h.Position, true, s.Ciphertext)
	f.Add(h.Kind, h.Epoch, h.Position, true, s.Ciphertext[:20])
	f.Add(h.Kind, h.Epoch, h.Position, true, []byte{})
	f.Fuzz(func(t *testing.T, kind string, epoch, position uint64, toMe bool, ct []byte) {
		in := SealedSnapshot{Header: h, Ciphertext: ct}
		in.Header.Kind, in.Header.Epoch, in.Header.Position = kind, epoch, position
		if !toMe {
			in.Header.To = [32]byte{9}
		}
		got, err := c.OpenSnapshot(in)
		if err != nil {
			if !errors.Is(err, ErrSnapshotRecipient) && !errors.Is(err, ErrSnapshotEpoch) && !errors.Is(err, ErrSnapshotSeal) {
				t.Fatalf("refusal names no check: %v", err)
			}
			return
		}
		if in.Header != s.Header || !bytes.Equal(ct, s.Ciphertext) || !bytes.Equal(got, body) {
			t.Fatalf("opened %+v %x as %q", in.Header, ct, got)
		}
	})
}
