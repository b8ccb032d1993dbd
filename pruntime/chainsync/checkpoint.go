package chainsync

import (
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

// Resume makes sh the latest trusted header, as if this Sync had verified
// the chain up to it: a restarted enclave resumes from the checkpoint it
// sealed, not from genesis. sh is trusted as it is, so it must come from
// the enclave's own sealed store, never from the host. The trusted state
// never moves back: a checkpoint below the latest verified header is
// refused with ErrStaleCheckpoint.
func (s *Sync) Resume(sh *types.SignedHeader) error {
	if sh == nil || sh.Header == nil || sh.Commit == nil {
		return fail(ErrBadCheckpoint, 0, "checkpoint", "no signed header")
	}
	h := sh.Height
	if sh.ChainID != s.chainID {
		return fail(ErrBadCheckpoint, h, "checkpoint-chain-id", "checkpoint is for chain %q, genesis says %q", sh.ChainID, s.chainID)
	}
	if h < s.initialHeight {
		return fail(ErrBadCheckpoint, h, "checkpoint-height", "checkpoint height %d is below the initial height %d", h, s.initialHeight)
	}
	if err := sh.ValidateBasic(s.chainID); err != nil {
		return failWrap(ErrBadCheckpoint, h, "checkpoint-basic", err, "checkpoint header is invalid")
	}
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if top := s.heightLocked(); h < top {
		return fail(ErrStaleCheckpoint, h, "checkpoint-monotonic", "checkpoint at height %d is older than the verified height %d", h, top)
	}
	s.latest = sh
	s.headers[h] = sh
	return nil
}

// EncodeCheckpoint is the checkpoint form of a verified header.
func EncodeCheckpoint(sh *types.SignedHeader) ([]byte, error) {
	if sh == nil {
		return nil, fail(ErrBadCheckpoint, 0, "checkpoint", "no signed header")
	}
	b, err := sh.ToProto().Marshal()
	if err != nil {
		return nil, failWrap(ErrBadCheckpoint, sh.Height, "checkpoint-encode", err, "encode checkpoint")
	}
	return b, nil
}

// DecodeCheckpoint parses what EncodeCheckpoint wrote.
func DecodeCheckpoint(b []byte) (*types.SignedHeader, error) {
	var pb cmtproto.SignedHeader
	if err := pb.Unmarshal(b); err != nil {
		return nil, failWrap(ErrBadCheckpoint, 0, "checkpoint-decode", err, "decode checkpoint")
	}
	sh, err := types.SignedHeaderFromProto(&pb)
	if err != nil {
		return nil, failWrap(ErrBadCheckpoint, 0, "checkpoint-decode", err, "decode checkpoint")
	}
	return sh, nil
}

// CheckSourceHeight refuses a source whose latest height is behind the
// trusted state: a host that presents an older (or other) chain than the
// one this enclave has verified up to its checkpoint.
func (s *Sync) CheckSourceHeight(latest int64) error {
	if top := s.Height(); latest < top {
		return fail(ErrStaleCheckpoint, latest, "source-height", "source is at height %d, behind the trusted checkpoint at %d", latest, top)
	}
	return nil
}
