package chainsync

import (
	"bytes"
	"context"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpICS23 is the only proof op type accepted: an ICS23 commitment proof
// against the IAVL root (chain/app.ProofOpICS23).
const ProofOpICS23 = "ics23:iavl"

// VerifiedState returns the value of key at the latest height H whose state
// root is committed by a verified header (header H+1's AppHash), and H.
// An absent key gives a nil value and a nil error, but only with a valid
// non-membership proof.
func (s *Sync) VerifiedState(ctx context.Context, src Source, key []byte) (value []byte, height int64, err error) {
	h := s.Height() - 1
	if h < s.initialHeight {
		return nil, h, fail(ErrBehind, h+1, "header", "state needs two verified headers, latest verified is %d", h+1)
	}
	value, err = s.VerifiedStateAt(ctx, src, key, h)
	return value, h, err
}

// VerifiedStateAt returns the value of key after block height, checked
// against the AppHash of the verified header height+1, which must be in the
// window.
func (s *Sync) VerifiedStateAt(ctx context.Context, src Source, key []byte, height int64) ([]byte, error) {
	if len(key) == 0 {
		return nil, fail(ErrBadProof, height, "key", "empty key")
	}
	next, err := s.header(height+1, "state at height "+itoa(height))
	if err != nil {
		return nil, err
	}
	value, proof, err := src.StateProof(ctx, key, height)
	if err != nil {
		return nil, failWrap(ErrWithheld, height, "state-proof", err, "source did not provide key %X", key)
	}
	v, err := VerifyStoreProof(next.AppHash, key, value, proof)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Height = height
		}
		return nil, err
	}
	return v, nil
}

// VerifyStoreProof checks that value is the value of key (or, for an empty
// value, that key is absent) in the IAVL state whose root is appHash. proof
// must be exactly one ICS23 op for key. It returns the verified value: nil
// for an absent key. A key stored with an empty value cannot be proven
// (ICS23 leaves need a value) and always fails with ErrBadProof.
func VerifyStoreProof(appHash, key, value []byte, proof *cmtcrypto.ProofOps) (verified []byte, err error) {
	defer func() {
		if r := recover(); r != nil { // a malformed proof must not panic the enclave
			verified, err = nil, fail(ErrBadProof, 0, "proof-malformed", "proof made verification panic: %v", r)
		}
	}()
	if proof == nil || len(proof.Ops) == 0 {
		return nil, fail(ErrBadProof, 0, "proof-missing", "no proof for key %X", key)
	}
	if len(proof.Ops) != 1 {
		return nil, fail(ErrBadProof, 0, "proof-ops", "want exactly 1 proof op, got %d", len(proof.Ops))
	}
	op := proof.Ops[0]
	if op.Type != ProofOpICS23 {
		return nil, fail(ErrBadProof, 0, "proof-type", "proof op type %q, want %q", op.Type, ProofOpICS23)
	}
	if !bytes.Equal(op.Key, key) {
		return nil, fail(ErrBadProof, 0, "proof-key", "proof is for key %X, asked for %X", op.Key, key)
	}
	var cp ics23.CommitmentProof
	if err := cp.Unmarshal(op.Data); err != nil {
		return nil, failWrap(ErrBadProof, 0, "proof-decode", err, "proof op data is not an ICS23 commitment proof")
	}
	if len(appHash) == 0 {
		return nil, fail(ErrBadProof, 0, "app-hash", "verified header has an empty AppHash")
	}
	root := ics23.CommitmentRoot(appHash)
	if len(value) == 0 {
		// ICS23 cannot prove an empty value (a leaf needs one), so an
		// empty value can only mean "absent". The state machine must never
		// store an empty value under a key the enclave reads: such a key is
		// unprovable either way and reads as ErrBadProof.
		if ics23.VerifyNonMembership(ics23.IavlSpec, root, &cp, key) {
			return nil, nil
		}
		return nil, fail(ErrBadProof, 0, "non-membership", "source says key %X is absent, proof does not verify against AppHash %X", key, appHash)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, root, &cp, key, value) {
		return nil, fail(ErrBadProof, 0, "membership", "value of key %X does not verify against AppHash %X", key, appHash)
	}
	return bytes.Clone(value), nil
}
