package core

import (
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestGenesisCollateralLastWins: a genesis listing a platform's TCB
// collateral twice (oldest first, as the registry requires) has the
// enclave judge checkpoint signers' quotes against the last, which is the
// one the chain keeps.
func TestGenesisCollateralLastWins(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }
	var cols []tee.TDXCollateral
	for _, o := range []teefake.TCBOptions{{Evaluation: 17, Issued: day(20)}, {Evaluation: 18, Issued: day(21)}} {
		c, err := teefake.TDXTCBCollateral(o)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	p := trustPolicy{registry: registry.Genesis{TestRoots: registry.TestRootsOf(roots), TDXCollateral: cols}, roots: roots}
	got := p.collateral(&cmttypes.SignedHeader{Header: &cmttypes.Header{Time: day(22)}})("50806f000000")
	if got != &p.registry.TDXCollateral[1] {
		ck, err := tee.ParseTDXCollateral(*got)
		t.Fatalf("collateral for the checkpoint: TCB info %+v (%v), want the genesis's last (evaluation 18)", ck.TCBInfo, err)
	}
}
