package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/client"
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
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(cp)
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

// errNeedMoreSigners keeps the walk over the gatekeepers going until
// enough of them signed.
var errNeedMoreSigners = errors.New("more gatekeepers must sign")

// errGatekeeperBehind: a gatekeeper's latest verified header is older than
// the blocks the node keeps, so no light client can go on from it.
var errGatekeeperBehind = errors.New("gatekeeper behind the node's retained blocks")

// fetchCheckpoint asks the gatekeepers for a checkpoint until as many as
// the genesis asks for (core.CheckpointQuorum) signed one header: the
// first usable one's latest, then that height from the others. A latest
// header whose next block the node no longer has (below earliest - 1: the
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
	var cp pruntime.SignedCheckpoint
	var height int64
	var hash []byte
	cp, err = client.AskGatekeepers(ctx, w.client, ks, func(endpoint string) (pruntime.SignedCheckpoint, error) {
		got, err := getCheckpoint(ctx, endpoint, height)
		if err != nil {
			return cp, err
		}
		sh, err := chainsync.DecodeCheckpoint(got.Header)
		if err != nil {
			return cp, fmt.Errorf("%s: %w", endpoint, err)
		}
		switch {
		case height == 0 && sh.Height+1 < earliest:
			return cp, fmt.Errorf("%s%s: %w: its latest verified header is %d, the node keeps blocks from %d on", endpoint, PathCheckpoint, errGatekeeperBehind, sh.Height, earliest)
		case height == 0:
			cp, height, hash = got, sh.Height, sh.Hash()
		case bytes.Equal(sh.Hash(), hash):
			cp.Signatures = append(cp.Signatures, got.Signatures...)
		default:
			return cp, fmt.Errorf("%s signed another header at height %d", endpoint, height)
		}
		if len(cp.Signatures) < quorum {
			return cp, fmt.Errorf("%w: %d of %d", errNeedMoreSigners, len(cp.Signatures), quorum)
		}
		return cp, nil
	})
	if errors.Is(err, client.ErrNoGatekeeperEndpoint) {
		err = fmt.Errorf("%w (the chain lists %d gatekeepers)", err, len(ks.Gatekeepers))
	}
	return cp, err
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
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return cp, err
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return cp, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckpoint))
	if err != nil {
		return cp, fmt.Errorf("%s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return cp, fmt.Errorf("%s: %s: %s", url, resp.Status, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		return cp, fmt.Errorf("%s: %w", url, err)
	}
	return cp, nil
}
