package core

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/tee"
)

// A fresh enclave (no sealed checkpoint) can only verify the chain from
// genesis, which a node that prunes blocks no longer has. It can instead
// start from a checkpoint the gatekeepers sign: a header their own light
// clients verified. The enclave cannot know the gatekeepers' keys before it
// has verified the chain, so it trusts a checkpoint in two steps:
//
//  1. Before it uses it (JoinFromCheckpoint): every signature is by an
//     enclave whose attestation the genesis TEE policy accepts (allow_sim_tee,
//     the sim keys and test roots, a measurement on the genesis allow-list or
//     this enclave's own), bound to this genesis and to the signing key, and
//     at least CheckpointQuorum such enclaves signed. Our code only ever
//     signs a header its light client verified, so this holds as long as
//     the TEEs of those builds hold.
//  2. Once it has verified the next header (Sync): each signer was a
//     gatekeeper and an active worker at the checkpoint's height, read with
//     proofs. Until then the core seals no checkpoint and Sync reports it is
//     behind; if the check fails the core refuses every later Sync.

// ErrUntrustedCheckpoint: a signed checkpoint is refused; the error names
// the check that failed.
var ErrUntrustedCheckpoint = errors.New("untrusted checkpoint")

// SignedCheckpoint is a header signed by gatekeeper enclaves: Header is
// the signed header (header and commit) in chainsync.EncodeCheckpoint
// form.
type SignedCheckpoint struct {
	Header     []byte                `json:"header"`
	Signatures []CheckpointSignature `json:"signatures"`
}

// CheckpointSignature is one enclave's signature of a checkpoint with its
// attestation: Evidence of kind TEE binds Signer (its identity key) and
// the genesis (CheckpointSignerReportData).
type CheckpointSignature struct {
	Signer    []byte   `json:"signer"`
	TEE       tee.Kind `json:"tee"`
	Evidence  []byte   `json:"evidence"`
	Signature []byte   `json:"signature"`
}

// CheckpointSignBytes is what a checkpoint signature covers: the chain,
// the genesis, the height and the header's hash (which commits to the
// validator sets, the app hash and the previous block).
func CheckpointSignBytes(chainID string, genesis [32]byte, height int64, headerHash []byte) []byte {
	w := wire.NewWriter(96 + len(chainID))
	w.Raw([]byte("phala/checkpoint/v1\x00"))
	w.String(chainID)
	w.Raw(genesis[:])
	w.Uvarint(uint64(height))
	w.VarBytes(headerHash)
	return w.Bytes()
}

// CheckpointSignerReportData is what a checkpoint signer's attestation
// binds: its identity key, for the chain of genesis.
func CheckpointSignerReportData(genesis [32]byte, signer []byte) [tee.ReportDataSize]byte {
	return hashedReportData("phala/checkpoint-signer/v1\x00", genesis[:], signer)
}

// SignCheckpoint signs the verified header of height h (0: the latest)
// with this worker's identity and attaches the attestation of its key.
// The gatekeeper role decides whether this worker signs at all.
func (c *Core) SignCheckpoint(h int64) (SignedCheckpoint, error) {
	sh := c.sync.Latest()
	if h != 0 {
		sh, _ = c.sync.Header(h)
	}
	if sh == nil {
		return SignedCheckpoint{}, fmt.Errorf("enclave: %w: no verified header at height %d", chainsync.ErrBehind, h)
	}
	raw, err := chainsync.EncodeCheckpoint(sh)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("enclave: %w", err)
	}
	ev, err := c.checkpointEvidence()
	if err != nil {
		return SignedCheckpoint{}, err
	}
	sig := ed25519.Sign(c.identity, CheckpointSignBytes(c.chainID, c.genesisHash, sh.Height, sh.Hash()))
	return SignedCheckpoint{Header: raw, Signatures: []CheckpointSignature{{
		Signer: c.PublicKey(), TEE: c.provider.Kind(), Evidence: ev, Signature: sig,
	}}}, nil
}

// checkpointEvidence is the attestation of this worker's checkpoint
// signing key, made once: it binds the key, not a header.
func (c *Core) checkpointEvidence() ([]byte, error) {
	c.cpMu.Lock()
	defer c.cpMu.Unlock()
	if c.cpEvidence == nil {
		ev, err := c.provider.Quote(CheckpointSignerReportData(c.genesisHash, c.PublicKey()))
		if err != nil {
			return nil, fmt.Errorf("enclave: attest checkpoint key: %w", err)
		}
		c.cpEvidence = ev
	}
	return c.cpEvidence, nil
}

// joinedCheckpoint is a checkpoint this core started from whose signers
// it has not yet checked against the chain.
type joinedCheckpoint struct {
	height  int64
	signers [][32]byte
}

// untrusted is an ErrUntrustedCheckpoint naming the check that failed.
func untrusted(height int64, check, format string, args ...any) error {
	return fmt.Errorf("enclave: %w at height %d: %s check failed: %s", ErrUntrustedCheckpoint, height, check, fmt.Sprintf(format, args...))
}

// JoinFromCheckpoint starts the light client from a checkpoint the
// gatekeepers signed (see the comment at the top of this file), for an
// enclave that cannot verify the chain from its sealed checkpoint or from
// genesis because the node pruned those blocks. A checkpoint not above
// what the light client has verified is refused as stale.
func (c *Core) JoinFromCheckpoint(cp SignedCheckpoint) (err error) {
	defer func() {
		if r := recover(); r != nil { // host-made structures must not take the enclave down
			err = untrusted(0, "malformed", "checkpoint made verification panic: %v", r)
		}
	}()
	sh, err := chainsync.DecodeCheckpoint(cp.Header)
	if err != nil {
		return untrusted(0, "header", "%v", err)
	}
	h := sh.Height
	if sh.ChainID != c.chainID {
		return untrusted(h, "chain-id", "checkpoint is for chain %q, genesis says %q", sh.ChainID, c.chainID)
	}
	if err := sh.ValidateBasic(c.chainID); err != nil {
		return untrusted(h, "header-basic", "%v", err)
	}
	signers, err := c.checkSigners(sh, cp.Signatures)
	if err != nil {
		return err
	}
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if c.joinErr != nil {
		return c.joinErr
	}
	if top := c.sync.Height(); h <= top {
		return fmt.Errorf("enclave: %w: signed checkpoint at height %d is not above the verified height %d", chainsync.ErrStaleCheckpoint, h, top)
	}
	// joined is set before the light client moves, under c.mu, so the
	// outbox never reads the chain past the checkpoint unconfirmed.
	prev := c.joined
	c.setJoin(&joinedCheckpoint{height: h, signers: signers}, nil)
	if err := c.sync.Resume(sh); err != nil {
		c.setJoin(prev, nil)
		return fmt.Errorf("enclave: %w", err)
	}
	return nil
}

// checkSigners checks every signature of a checkpoint and its attestation
// against the genesis TEE policy, and that enough distinct enclaves
// signed; it returns the signers.
func (c *Core) checkSigners(sh *cmttypes.SignedHeader, sigs []CheckpointSignature) ([][32]byte, error) {
	h := sh.Height
	pol, err := genesisTrust(c.genesis)
	if err != nil {
		return nil, untrusted(h, "genesis-policy", "%v", err)
	}
	own, err := c.ownMeasurement()
	if err != nil {
		return nil, err
	}
	msg := CheckpointSignBytes(c.chainID, c.genesisHash, h, sh.Hash())
	var signers [][32]byte
	for i, s := range sigs {
		if len(s.Signer) != ed25519.PublicKeySize {
			return nil, untrusted(h, "signer", "signature %d: signer key is %d bytes", i, len(s.Signer))
		}
		id := [32]byte(s.Signer)
		for _, seen := range signers {
			if seen == id {
				return nil, untrusted(h, "duplicate-signer", "signature %d: %x signed twice", i, id)
			}
		}
		if !ed25519.Verify(s.Signer, msg, s.Signature) {
			return nil, untrusted(h, "signature", "signature %d by %x does not verify over this chain, genesis, height and header", i, id)
		}
		if err := pol.checkSigner(c.genesisHash, sh, s, own); err != nil {
			return nil, untrusted(h, "attestation", "signature %d by %x: %v", i, id, err)
		}
		signers = append(signers, id)
	}
	if len(signers) < pol.quorum {
		return nil, untrusted(h, "quorum", "%d attested signers, genesis needs %d", len(signers), pol.quorum)
	}
	return signers, nil
}

// ownMeasurement is the measurement this enclave's TEE attests.
func (c *Core) ownMeasurement() ([]byte, error) {
	var rd [tee.ReportDataSize]byte
	copy(rd[:], "phala/pruntime/self-check")
	ev, err := c.provider.Quote(rd)
	if err != nil {
		return nil, fmt.Errorf("enclave: read own measurement: %w", err)
	}
	cl, err := tee.EvidenceClaims(c.provider.Kind(), ev)
	if err != nil {
		return nil, fmt.Errorf("enclave: read own measurement: %w", err)
	}
	return cl.Measurement, nil
}

// trustPolicy is what the genesis says about which enclaves to trust, as
// the registry's genesis params and the keys' genesis gatekeepers.
type trustPolicy struct {
	registry registry.Genesis
	roots    tee.TestRoots
	// quorum is how many attested enclaves must sign a checkpoint.
	quorum int
}

// CheckpointQuorum is how many attested enclaves must sign a checkpoint
// for an enclave of this genesis to start from it: a majority of the
// genesis gatekeeper operators, at least one.
func CheckpointQuorum(genesis *cmttypes.GenesisDoc) (int, error) {
	p, err := genesisTrust(genesis)
	return p.quorum, err
}

// genesisTrust reads the trust policy from the genesis app state.
func genesisTrust(genesis *cmttypes.GenesisDoc) (trustPolicy, error) {
	p := trustPolicy{quorum: 1}
	var sections map[string]json.RawMessage
	if err := json.Unmarshal(genesis.AppState, &sections); err != nil {
		return p, fmt.Errorf("genesis app state: %w", err)
	}
	if raw, ok := sections[registry.Name]; ok {
		if err := json.Unmarshal(raw, &p.registry); err != nil {
			return p, fmt.Errorf("genesis %s section: %w", registry.Name, err)
		}
	}
	roots, err := registry.ParseTestRoots(p.registry.TestRoots)
	if err != nil {
		return p, err
	}
	p.roots = roots
	var kg keys.Genesis
	if raw, ok := sections[keys.Name]; ok {
		if err := json.Unmarshal(raw, &kg); err != nil {
			return p, fmt.Errorf("genesis %s section: %w", keys.Name, err)
		}
	}
	p.quorum = len(kg.GatekeeperOperators)/2 + 1
	return p, nil
}

// checkSigner verifies one signer's attestation with the genesis policy,
// at the checkpoint's time: bound to genesis and to the signer's key, of a
// build genesis allow-lists or of this enclave's own build.
func (p trustPolicy) checkSigner(genesis [32]byte, sh *cmttypes.SignedHeader, s CheckpointSignature, own []byte) error {
	rp := p.registry.Params
	simKeys := make([]ed25519.PublicKey, len(rp.SimAttestationKeys))
	for i, k := range rp.SimAttestationKeys {
		simKeys[i] = ed25519.PublicKey(k)
	}
	o := tee.VerifyOptions{Now: sh.Time, AllowSim: rp.AllowSimTEE, SimKeys: simKeys, SEVSNPMinTCB: rp.SEVSNPMinTCB, TestRoots: p.roots,
		TDXCollateral: p.collateral(sh), TDXCRL: tee.TDXCRLs(p.registry.TDXCollateral, p.roots, sh.Time)}
	v, err := tee.Verify(tee.Attestation{Kind: s.TEE, Evidence: s.Evidence}, o)
	if err != nil {
		return err
	}
	if v.Config != genesis {
		return fmt.Errorf("attested genesis %x is not this chain's %x", v.Config, genesis)
	}
	if v.ReportData != CheckpointSignerReportData(genesis, s.Signer) {
		return errors.New("the attestation does not bind this signer's key and genesis")
	}
	if bytes.Equal(v.Measurement, own) {
		return nil
	}
	for _, m := range rp.Measurements {
		if m.TEE == v.Kind && bytes.Equal(m.Value, v.Measurement) {
			return nil
		}
	}
	return fmt.Errorf("%s measurement %x is neither on the genesis allow-list nor this enclave's own", v.Kind, v.Measurement)
}

// collateral is the genesis TDX collateral by platform, current at the
// checkpoint's time.
func (p trustPolicy) collateral(sh *cmttypes.SignedHeader) func(string) *tee.TDXCollateral {
	return func(fmspc string) *tee.TDXCollateral {
		// The last one, as the chain keeps the last of one platform's.
		for i := len(p.registry.TDXCollateral) - 1; i >= 0; i-- {
			if ck, err := tee.CheckTDXCollateral(p.registry.TDXCollateral[i], p.roots, sh.Time); err == nil && ck.FMSPC == fmspc {
				return &p.registry.TDXCollateral[i]
			}
		}
		return nil
	}
}

// confirmJoin checks, with proofs against the verified header after it,
// that every signer of the checkpoint this core joined from was a
// gatekeeper and an active worker at its height. A failure that is the
// source's (a withheld proof) is retried; a signer that was not a
// gatekeeper makes the core refuse every later Sync. The caller holds
// c.syncMu, not c.mu: the proven reads go on while the outbox serves
// (and refuses, until this confirms) other roles.
func (c *Core) confirmJoin(ctx context.Context, src chainsync.Source) error {
	j := c.joined
	for _, s := range j.signers {
		raw, err := c.sync.VerifiedStateAt(ctx, src, keys.GatekeeperKey(s), j.height)
		if err != nil {
			return fmt.Errorf("enclave: check checkpoint signer %x: %w", s, err)
		}
		if raw == nil {
			err := untrusted(j.height, "signer-gatekeeper", "signer %x was not a gatekeeper at the checkpoint's height", s)
			c.setJoin(j, err)
			return err
		}
		raw, err = c.sync.VerifiedStateAt(ctx, src, registry.WorkerKey(registry.WorkerID(s)), j.height)
		if err != nil {
			return fmt.Errorf("enclave: check checkpoint signer %x: %w", s, err)
		}
		var w registry.Worker
		if raw == nil || json.Unmarshal(raw, &w) != nil || !w.Active() {
			err := untrusted(j.height, "signer-worker", "signer %x was not an active worker at the checkpoint's height", s)
			c.setJoin(j, err)
			return err
		}
	}
	c.setJoin(nil, nil)
	return nil
}

// setJoin sets joined and joinErr. The caller holds c.syncMu; setJoin
// takes c.mu, so the outbox, which reads them under c.mu alone, sees both
// change at once.
func (c *Core) setJoin(j *joinedCheckpoint, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.joined, c.joinErr = j, err
}

// unconfirmed is an error wrapping chainsync.ErrBehind while the signers
// of the checkpoint this core joined from are not yet checked: the roles
// wait for the header after it. The caller holds c.syncMu or c.mu.
func (c *Core) unconfirmed() error {
	if c.joined == nil {
		return nil
	}
	return fmt.Errorf("enclave: %w: the signed checkpoint at height %d is confirmed once header %d is verified", chainsync.ErrBehind, c.joined.height, c.joined.height+1)
}
