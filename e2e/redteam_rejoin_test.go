package e2e

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
)

// TestRedTeamForgedRejoinShare: a gatekeeper down during a rotation is
// left out of generation 1; its real enclave comes back and asks to
// rejoin. The operator of the holder that shares turns hostile and sends
// it, sealed as real shares, a history whose generation 1 is a secret of
// its own and one that lacks generation 0. The returning enclave must
// take neither: it does not confirm, the chain does not count it as a
// holder, and its sealed history still lacks generation 1.
func TestRedTeamForgedRejoinShare(t *testing.T) {
	n := startRedTeam(t, 3)
	st := n.keys()
	back := n.indexOf(st.Gatekeepers[2].Worker)
	backID := n.d.Workers[back].ID()
	if err := n.d.Workers[back].Stop(); err != nil {
		t.Fatal(err)
	}
	n.rotate()
	n.wait("generation 1 without the stopped gatekeeper", func(st keys.State) bool {
		return st.Generation != nil && st.Generation.Number == 1 && len(st.Generation.Excluded) == 1 && [32]byte(st.Generation.Excluded[0]) == [32]byte(backID)
	})
	// The hostile operator runs the first holder, the one that shares; the
	// other holder is down, so no honest share comes in its turn.
	sharer := n.takeOver(n.indexOf(st.Gatekeepers[0].Worker))
	if err := n.d.Workers[n.indexOf(st.Gatekeepers[1].Worker)].Stop(); err != nil {
		t.Fatal(err)
	}
	returned := n.restart(back)
	n.wait("the returning gatekeeper to ask to rejoin", func(st keys.State) bool {
		return st.Gatekeepers[2].RejoinHeight != 0
	})
	var forged, partial sealedHistory
	for _, g := range sharer.history().Generations {
		switch g.Number {
		case 0:
			forged.Generations = append(forged.Generations, g)
		case 1:
			partial.Generations = append(partial.Generations, g)
			s, _ := keyderive.RandomSecret()
			g.Secret = s.Bytes()
			forged.Generations = append(forged.Generations, g)
		}
	}
	var posts []mqPost
	for _, h := range []sealedHistory{forged, partial} {
		plain, _ := json.Marshal(h)
		w := wire.NewWriter(1024)
		w.Raw(backID[:])
		w.VarBytes(sharer.sealTo([32]byte(backID), gatekeeper.PurposeMasterShare, plain))
		posts = append(posts, mqPost{keys.TopicShare, w.Bytes()})
	}
	if err := sharer.post(posts...); err != nil {
		t.Fatalf("the hostile shares: %v", err)
	}
	// Give the returning enclave ten blocks to take a share.
	waitHeight(t, n.c, mustHeight(t, n.c)+10, 30*time.Second)
	if n.keys().Gatekeepers[2].Holds {
		t.Fatal("the returning gatekeeper holds the key after forged shares")
	}
	if err := returned.Stop(); err != nil {
		t.Fatal(err)
	}
	home := n.workerHome(back)
	store, err := pruntime.OpenSealedStore(simProvider(t, n.d.Home, home), filepath.Join(home, "sealed"), pruntime.GenesisHash(n.genesis()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := store.Get(pruntime.EntryMasterKeys)
	if err != nil {
		t.Fatal(err)
	}
	var sealed sealedHistory
	if err := json.Unmarshal(raw, &sealed); err != nil || len(sealed.Generations) != 1 || sealed.Generations[0].Number != 0 {
		var numbers []uint64
		for _, g := range sealed.Generations {
			numbers = append(numbers, g.Number)
		}
		t.Fatalf("the returning enclave sealed generations %v (%v), want generation 0 alone", numbers, err)
	}
}
