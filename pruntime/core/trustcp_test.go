package core_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/tmhash"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

// cpChain is a one-validator chain made in memory whose genesis trusts
// sim enclaves of this build (attestation key devKey) and names three
// gatekeeper operators, so a checkpoint needs two signers.
type cpChain struct {
	doc    *cmttypes.GenesisDoc
	pv     cmttypes.PrivValidator
	blocks map[int64]*cmttypes.LightBlock
}

// devKey is the genesis sim attestation key.
var devKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

func newCPChain(t *testing.T, chainID string) *cpChain {
	t.Helper()
	pv := cmttypes.NewMockPV()
	pub, _ := pv.GetPubKey()
	c := &cpChain{pv: pv}
	measure := simMeasurement(t, core.SimCode)
	reg := registry.Genesis{Params: registry.Params{AllowSimTEE: true, MaxAttestationAge: 300,
		SimAttestationKeys: []registry.HexBytes{registry.HexBytes(devKey.Public().(ed25519.PublicKey))},
		Measurements:       []registry.Measurement{{TEE: tee.KindSim, Value: measure}}}}
	var ops []address.Address
	for range 3 {
		k, _, _ := ed25519.GenerateKey(nil)
		ops = append(ops, address.FromPubKey(k))
	}
	app, _ := json.Marshal(map[string]any{registry.Name: reg, keys.Name: keys.Genesis{GatekeeperOperators: ops}})
	c.doc = &cmttypes.GenesisDoc{ChainID: chainID, GenesisTime: time.Unix(1000, 0).UTC(), InitialHeight: 1, AppState: app,
		Validators: []cmttypes.GenesisValidator{{PubKey: pub, Power: 10}}}
	if err := c.doc.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	c.blocks = c.extend(t, "", 8)
	return c
}

// extend makes heights 1..n of this genesis; salt varies the app hashes,
// so two salts are two histories signed by the same validator.
func (c *cpChain) extend(t *testing.T, salt string, n int64) map[int64]*cmttypes.LightBlock {
	t.Helper()
	pub, _ := c.pv.GetPubKey()
	vals := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(pub, 10)})
	blocks := map[int64]*cmttypes.LightBlock{}
	var last cmttypes.BlockID
	for h := int64(1); h <= n; h++ {
		hdr := &cmttypes.Header{Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: c.doc.ChainID, Height: h,
			Time: c.doc.GenesisTime.Add(time.Duration(h) * time.Second), LastBlockID: last, ValidatorsHash: vals.Hash(),
			NextValidatorsHash: vals.Hash(), AppHash: tmhash.Sum(fmt.Appendf(nil, "%s%d", salt, h)), ProposerAddress: pub.Address()}
		id := cmttypes.BlockID{Hash: hdr.Hash(), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: tmhash.Sum(hdr.Hash())}}
		votes := cmttypes.NewVoteSet(c.doc.ChainID, h, 0, cmtproto.PrecommitType, vals)
		ext, err := cmttypes.MakeExtCommit(id, h, 0, votes, []cmttypes.PrivValidator{c.pv}, hdr.Time, false)
		if err != nil {
			t.Fatal(err)
		}
		blocks[h] = &cmttypes.LightBlock{SignedHeader: &cmttypes.SignedHeader{Header: hdr, Commit: ext.ToCommit()}, ValidatorSet: vals}
		last = id
	}
	return blocks
}

// blockSource serves light blocks from from on (the node pruned the ones
// before); it has no state.
type blockSource struct {
	blocks map[int64]*cmttypes.LightBlock
	from   int64
}

func (s blockSource) LightBlock(_ context.Context, h int64) (*cmttypes.LightBlock, error) {
	if b, ok := s.blocks[h]; ok && h >= s.from {
		return b, nil
	}
	return nil, fmt.Errorf("height %d is not available, lowest height is %d", h, s.from)
}

func (s blockSource) LatestHeight(context.Context) (int64, error) { return int64(len(s.blocks)), nil }

func (blockSource) StateProof(context.Context, []byte, int64) ([]byte, *cmtcrypto.ProofOps, error) {
	return nil, nil, errors.New("this chain has no state")
}

// simMeasurement is what a sim TEE running code measures.
func simMeasurement(t *testing.T, code string) []byte {
	t.Helper()
	ev, err := simTEE(t, 0, [32]byte{}, devKey, code).Quote([tee.ReportDataSize]byte{})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := tee.EvidenceClaims(tee.KindSim, ev)
	if err != nil {
		t.Fatal(err)
	}
	return cl.Measurement
}

// simTEE is a sim TEE of one host (seed) launched for genesis, signed with
// key, measuring code.
func simTEE(t *testing.T, seed byte, genesis [32]byte, key ed25519.PrivateKey, code string) *sim.Provider {
	t.Helper()
	s := make([]byte, sim.SealingSeedSize)
	s[0] = seed
	p, err := sim.New(sim.Config{AttestationKey: key, SealingSeed: s, Code: code, Genesis: genesis})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// signer is an enclave on the host seed that verified the chain up to
// height 5 from genesis and signs its header there.
func (c *cpChain) signer(t *testing.T, seed byte, key ed25519.PrivateKey, code string) core.SignedCheckpoint {
	t.Helper()
	p := simTEE(t, seed, core.GenesisHash(c.doc), key, code)
	en, err := core.Open(p, t.TempDir(), c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Sync(context.Background(), blockSource{blocks: c.blocks, from: 1}, nil); err != nil {
		t.Fatal(err)
	}
	cp, err := en.SignCheckpoint(5)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// signedBy merges the signatures of checkpoints of one header.
func signedBy(cps ...core.SignedCheckpoint) core.SignedCheckpoint {
	out := core.SignedCheckpoint{Header: cps[0].Header}
	for _, cp := range cps {
		out.Signatures = append(out.Signatures, cp.Signatures...)
	}
	return out
}

// TestJoinFromSignedCheckpoint is the host of a new enclave, on a chain
// whose node pruned heights 1..4, handing it checkpoints: each forgery
// is refused with the check that failed and leaves the light client where
// it was; two attested signers of this build are accepted, and the light
// client goes on from there but seals nothing until it has checked the
// signers against the chain (here it cannot: the chain has no state).
func TestJoinFromSignedCheckpoint(t *testing.T) {
	ctx := context.Background()
	c := newCPChain(t, "phala-devnet")
	gh := core.GenesisHash(c.doc)
	a, b := c.signer(t, 1, devKey, core.SimCode), c.signer(t, 2, devKey, core.SimCode)
	other := newCPChain(t, "other-chain")
	rogueKey := ed25519.NewKeyFromSeed(append(make([]byte, 31), 9))
	forged := func(f func(*core.SignedCheckpoint)) core.SignedCheckpoint {
		cp := signedBy(a, b)
		cp.Signatures = append([]core.CheckpointSignature(nil), cp.Signatures...)
		for i := range cp.Signatures {
			cp.Signatures[i].Signature = append([]byte(nil), cp.Signatures[i].Signature...)
		}
		f(&cp)
		return cp
	}
	retimed := forged(func(cp *core.SignedCheckpoint) {
		sh, _ := chainsync.DecodeCheckpoint(cp.Header)
		sh.Time = sh.Time.Add(time.Second)
		cp.Header, _ = chainsync.EncodeCheckpoint(sh)
	})
	cases := []struct {
		name  string
		cp    core.SignedCheckpoint
		check string
	}{
		{"another chain's header", signedBy(other.signer(t, 1, devKey, core.SimCode), other.signer(t, 2, devKey, core.SimCode)), "chain-id"},
		{"a header changed after signing", retimed, "header-basic"},
		{"a bad signature", forged(func(cp *core.SignedCheckpoint) { cp.Signatures[1].Signature[0] ^= 1 }), "signature"},
		{"a signer's evidence on another's key", forged(func(cp *core.SignedCheckpoint) { cp.Signatures[1].Evidence = cp.Signatures[0].Evidence }), "attestation"},
		{"an enclave the genesis sim key did not attest", signedBy(a, c.signer(t, 3, rogueKey, core.SimCode)), "attestation"},
		{"an enclave of a build genesis does not allow", signedBy(a, c.signer(t, 4, devKey, "phala-pruntime/evil")), "attestation"},
		{"one signer signing twice", signedBy(a, a), "duplicate-signer"},
		{"fewer signers than genesis needs", signedBy(b), "quorum"},
		{"garbage", core.SignedCheckpoint{Header: []byte("not a header")}, "header"},
	}
	joiner, err := core.Open(simTEE(t, 7, gh, devKey, core.SimCode), t.TempDir(), c.doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		err := joiner.JoinFromCheckpoint(tc.cp)
		if !errors.Is(err, core.ErrUntrustedCheckpoint) || !strings.Contains(err.Error(), " "+tc.check+" check failed") {
			t.Errorf("%s: %v, want ErrUntrustedCheckpoint naming the %s check", tc.name, err, tc.check)
		}
		if h := joiner.SyncedHeight(); h != 0 {
			t.Fatalf("%s: the light client moved to %d", tc.name, h)
		}
	}

	pruned := blockSource{blocks: c.blocks, from: 5}
	if _, err := joiner.Sync(ctx, pruned, nil); !errors.Is(err, chainsync.ErrWithheld) {
		t.Fatalf("sync from genesis on a pruned node: %v, want ErrWithheld", err)
	}
	if err := joiner.JoinFromCheckpoint(signedBy(a, b)); err != nil {
		t.Fatalf("two attested signers: %v", err)
	}
	if h := joiner.SyncedHeight(); h != 5 {
		t.Fatalf("joined at %d, want 5", h)
	}
	if _, err := joiner.Sync(ctx, pruned, nil); !errors.Is(err, chainsync.ErrWithheld) || joiner.SyncedHeight() != 6 {
		t.Fatalf("after the checkpoint: height %d, %v; want 6 and the signers' records withheld", joiner.SyncedHeight(), err)
	}
	if err := joiner.JoinFromCheckpoint(signedBy(a, b)); !errors.Is(err, chainsync.ErrStaleCheckpoint) {
		t.Errorf("a checkpoint below the verified height: %v, want ErrStaleCheckpoint", err)
	}

	// The host's node then serves another history after the checkpoint.
	fork, err := core.Open(simTEE(t, 8, gh, devKey, core.SimCode), t.TempDir(), c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := fork.JoinFromCheckpoint(signedBy(a, b)); err != nil {
		t.Fatal(err)
	}
	if _, err := fork.Sync(ctx, blockSource{blocks: c.extend(t, "fork", 8), from: 5}, nil); !errors.Is(err, chainsync.ErrForgedHeader) || fork.SyncedHeight() != 5 {
		t.Errorf("a history that does not extend the checkpoint: height %d, %v; want 5 and ErrForgedHeader", fork.SyncedHeight(), err)
	}
}

// TestJoinSealsNothingUnconfirmed: an enclave that joined from a signed
// checkpoint and could not check its signers against the chain restarts
// from nothing: the checkpoint was never sealed.
func TestJoinSealsNothingUnconfirmed(t *testing.T) {
	c := newCPChain(t, "phala-devnet")
	gh := core.GenesisHash(c.doc)
	cp := signedBy(c.signer(t, 1, devKey, core.SimCode), c.signer(t, 2, devKey, core.SimCode))
	dir := filepath.Join(t.TempDir(), "sealed")
	p := simTEE(t, 7, gh, devKey, core.SimCode)
	en, err := core.Open(p, dir, c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := en.JoinFromCheckpoint(cp); err != nil {
		t.Fatal(err)
	}
	en.Sync(context.Background(), blockSource{blocks: c.blocks, from: 5}, nil)
	again, err := core.Open(p, dir, c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if h := again.SyncedHeight(); h != 0 {
		t.Fatalf("restart resumed at %d from an unconfirmed checkpoint", h)
	}
}
