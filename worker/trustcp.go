package worker

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
)

// PathCheckpoint is where a gatekeeper serves a signed checkpoint
// (GET, ?height=H for a given verified header, else its latest): what a
// new worker starts its light client from on a chain whose early blocks
// the node pruned (docs/workers.md, "Joining a pruned chain").
const PathCheckpoint = "/checkpoint"

// maxCheckpoint bounds a checkpoint answer: a header, its commit and the
// signers' attestations.
const maxCheckpoint = 4 << 20

// serveCheckpoint answers GET /checkpoint on a gatekeeper.
func (w *Worker) serveCheckpoint(rw http.ResponseWriter, r *http.Request) {
	var h int64
	if s := r.URL.Query().Get("height"); s != "" {
		var err error
		if h, err = strconv.ParseInt(s, 10, 64); err != nil || h <= 0 {
			writeJSONError(rw, http.StatusBadRequest, "checkpoint: height must be a positive integer")
			return
		}
	}
	cp, err := w.enclave.Checkpoint(r.Context(), w.src, h)
	switch {
	case errors.Is(err, gatekeeper.ErrNotGatekeeper):
		writeJSONError(rw, http.StatusForbidden, err.Error())
		return
	case errors.Is(err, chainsync.ErrBehind), errors.Is(err, chainsync.ErrOutOfWindow):
		writeJSONError(rw, http.StatusNotFound, err.Error())
		return
	case err != nil:
		writeJSONError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(rw, cp)
}

// joinIfPruned starts the enclave from a checkpoint the gatekeepers sign
// when the node no longer has the block after the enclave's verified
// height (it prunes with --retain-blocks); it reports whether it did.
func (w *Worker) joinIfPruned(ctx context.Context) (bool, error) {
	st, err := w.client.RPC.Status(ctx)
	if err != nil {
		return false, fmt.Errorf("node status: %w", err)
	}
	have, earliest := w.enclave.SyncedHeight(), st.SyncInfo.EarliestBlockHeight
	if have+1 >= earliest {
		return false, nil
	}
	cp, err := w.fetchCheckpoint(ctx, earliest)
	if err != nil {
		return false, fmt.Errorf("the node pruned the blocks below %d and the enclave has verified up to %d: signed checkpoint: %w", earliest, have, err)
	}
	if err := w.enclave.JoinFromCheckpoint(cp); err != nil {
		return false, err
	}
	w.log.Info("light client starts from a checkpoint the gatekeepers signed", "earliest_block", earliest, "signers", len(cp.Signatures))
	return true, nil
}

// errNeedMoreSigners: fewer gatekeepers than the genesis asks for signed
// one header.
var errNeedMoreSigners = errors.New("more gatekeepers must sign")

// errGatekeeperBehind: a gatekeeper's latest verified header is older than
// the blocks the node keeps, so no light client can go on from it.
var errGatekeeperBehind = errors.New("gatekeeper behind the node's retained blocks")

// signedLatest is one gatekeeper's signed latest verified header.
type signedLatest struct {
	endpoint string
	cp       pruntime.SignedCheckpoint
	height   int64
	hash     []byte
}

// fetchCheckpoint collects signatures on one header from as many
// gatekeepers as the genesis asks for (core.CheckpointQuorum). It asks
// each for its latest verified header first and picks the highest height
// that quorum of them verified (the quorum-th highest latest): a
// gatekeeper whose light client is behind another's never verified the
// other's latest and answers 404 for it, so the header is one each signer
// asked has verified. Those ahead of it sign that height. A latest header
// whose next block the node no longer has (below earliest - 1: the
// gatekeeper is behind the retained blocks) is of no use, since the light
// client verifies forward from it, so that gatekeeper is passed over.
func (w *Worker) fetchCheckpoint(ctx context.Context, earliest int64) (pruntime.SignedCheckpoint, error) {
	quorum, err := core.CheckpointQuorum(w.o.Genesis)
	if err != nil {
		return pruntime.SignedCheckpoint{}, err
	}
	ks, err := w.client.KeyState(ctx)
	if err != nil {
		return pruntime.SignedCheckpoint{}, fmt.Errorf("gatekeepers: %w", err)
	}
	endpoints := client.GatekeeperEndpoints(ctx, w.client, ks)
	if len(endpoints) == 0 {
		return pruntime.SignedCheckpoint{}, fmt.Errorf("%w (the chain lists %d gatekeepers)", client.ErrNoGatekeeperEndpoint, len(ks.Gatekeepers))
	}
	var latest []signedLatest
	var errs []error
	for _, endpoint := range endpoints {
		l, err := latestCheckpoint(ctx, endpoint, earliest)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		latest = append(latest, l)
	}
	if len(latest) < quorum {
		return pruntime.SignedCheckpoint{}, errors.Join(append([]error{fmt.Errorf("%w: %d of %d gatekeepers have a usable header", errNeedMoreSigners, len(latest), quorum)}, errs...)...)
	}
	slices.SortStableFunc(latest, func(a, b signedLatest) int { return cmp.Compare(b.height, a.height) })
	return collectAt(ctx, latest, latest[quorum-1].height, quorum)
}

// latestCheckpoint asks one gatekeeper for its signed latest verified
// header, refusing one whose next block the node pruned.
func latestCheckpoint(ctx context.Context, endpoint string, earliest int64) (signedLatest, error) {
	cp, err := getCheckpoint(ctx, endpoint, 0)
	if err != nil {
		return signedLatest{}, err
	}
	sh, err := chainsync.DecodeCheckpoint(cp.Header)
	if err != nil {
		return signedLatest{}, fmt.Errorf("%s: %w", endpoint, err)
	}
	if sh.Height+1 < earliest {
		return signedLatest{}, fmt.Errorf("%s%s: %w: its latest verified header is %d, the node keeps blocks from %d on", endpoint, PathCheckpoint, errGatekeeperBehind, sh.Height, earliest)
	}
	return signedLatest{endpoint: endpoint, cp: cp, height: sh.Height, hash: sh.Hash()}, nil
}

// collectAt gathers signatures on the header at height from signers
// (sorted by latest height, highest first) until quorum signed: one whose
// latest is that height gave it already, one above is asked for it, one
// below cannot sign it. All must sign the same header; one that fails or
// signs another is passed over.
func collectAt(ctx context.Context, signers []signedLatest, height int64, quorum int) (pruntime.SignedCheckpoint, error) {
	var cp pruntime.SignedCheckpoint
	var hash []byte
	var errs []error
	for _, s := range signers {
		if s.height < height {
			break
		}
		got, h, err := s.at(ctx, height)
		switch {
		case err != nil:
			errs = append(errs, err)
		case hash == nil:
			cp, hash = got, h
		case bytes.Equal(h, hash):
			cp.Signatures = append(cp.Signatures, got.Signatures...)
		default:
			errs = append(errs, fmt.Errorf("%s signed another header at height %d", s.endpoint, height))
		}
		if len(cp.Signatures) >= quorum {
			return cp, nil
		}
	}
	return cp, errors.Join(append([]error{fmt.Errorf("%w: %d of %d at height %d", errNeedMoreSigners, len(cp.Signatures), quorum, height)}, errs...)...)
}

// at is this gatekeeper's signed header at height (at or below its
// latest) and the header's hash.
func (s signedLatest) at(ctx context.Context, height int64) (pruntime.SignedCheckpoint, []byte, error) {
	if s.height == height {
		return s.cp, s.hash, nil
	}
	got, err := getCheckpoint(ctx, s.endpoint, height)
	if err != nil {
		return got, nil, err
	}
	sh, err := chainsync.DecodeCheckpoint(got.Header)
	if err != nil {
		return got, nil, fmt.Errorf("%s: %w", s.endpoint, err)
	}
	if sh.Height != height {
		return got, nil, fmt.Errorf("%s answered header %d for height %d", s.endpoint, sh.Height, height)
	}
	return got, sh.Hash(), nil
}

// getCheckpoint asks one gatekeeper for its signed checkpoint at height
// (0: its latest).
func getCheckpoint(ctx context.Context, endpoint string, height int64) (pruntime.SignedCheckpoint, error) {
	var cp pruntime.SignedCheckpoint
	url := strings.TrimSuffix(endpoint, "/") + PathCheckpoint
	if height > 0 {
		url += "?height=" + strconv.FormatInt(height, 10)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	raw, err := httpok.Get(ctx, http.DefaultClient, url, maxCheckpoint)
	if err != nil {
		return cp, fmt.Errorf("%s: %w", url, err)
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		return cp, fmt.Errorf("%s: %w", url, err)
	}
	return cp, nil
}
