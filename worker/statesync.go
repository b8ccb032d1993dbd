package worker

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/replica"
)

// PathContractSnapshot is the worker-to-worker endpoint a late joiner
// asks a member for a contract's state with a request its enclave signed
// (core.SnapshotRequest): the answer is sealed to the joiner under the
// cluster key, so this host and the joiner's see only ciphertext.
const PathContractSnapshot = "/contracts/snapshot"

// maxSnapshot bounds a snapshot answer a joiner reads.
const maxSnapshot = 64 << 20

// serveContractSnapshot answers POST /contracts/snapshot with this worker's state
// of a contract sealed to the asking member.
func (w *Worker) serveContractSnapshot(rw http.ResponseWriter, r *http.Request) {
	if !w.snapshots.allow(rw, r, "snapshot") {
		return
	}
	body, ok := readBody(rw, r, 1<<10, "snapshot request")
	if !ok {
		return
	}
	var req core.SnapshotRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(rw, "snapshot request: "+err.Error(), http.StatusBadRequest)
		return
	}
	snap, err := w.enclave.ExportContractSnapshot(r.Context(), w.src, req)
	switch {
	case errors.Is(err, replica.ErrNotRunning):
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	case errors.Is(err, core.ErrSnapshotNotMember), errors.Is(err, core.ErrSnapshotRequest):
		http.Error(rw, err.Error(), http.StatusForbidden)
		return
	case err != nil:
		http.Error(rw, "snapshot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(rw, snap)
}

// fetchSnapshots asks the other members of a cluster, in turn, for the
// state of each contract the enclave cannot replay, and hands the first
// snapshot the enclave accepts to it. A refusal is logged with the check
// that failed and the next member is tried; what is still missing is
// asked for again next round.
func (w *Worker) fetchSnapshots(ctx context.Context) error {
	for _, want := range w.enclave.ContractSnapshotWants() {
		cl, err := w.client.Cluster(ctx, want.Cluster)
		if err != nil {
			return fmt.Errorf("snapshot of contract %x: %w", want.Contract, err)
		}
		me := [32]byte(w.ID())
		for _, m := range cl.Members {
			if len(m) != 32 || [32]byte(m) == me || !cl.Holds([32]byte(m)) {
				continue
			}
			err := w.fetchSnapshot(ctx, registry.WorkerID(m), want.Contract)
			if err == nil {
				w.log.Info("contract state taken from a member", "contract", hex.EncodeToString(want.Contract[:]), "member", hex.EncodeToString(m))
				break
			}
			w.log.Warn("contract snapshot refused", "contract", hex.EncodeToString(want.Contract[:]), "member", hex.EncodeToString(m), "err", err)
		}
	}
	return nil
}

// fetchSnapshot gets one member's snapshot of a contract and gives it to
// the enclave.
func (w *Worker) fetchSnapshot(ctx context.Context, member registry.WorkerID, id [32]byte) error {
	rec, err := w.client.Worker(ctx, member)
	if err != nil || rec.Endpoint == "" {
		return fmt.Errorf("member's endpoint: %v", err)
	}
	req, _ := json.Marshal(w.ContractSnapshotRequest(id))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(rec.Endpoint, "/")+PathContractSnapshot, bytes.NewReader(req))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	raw, err := httpok.Do(http.DefaultClient, hr, maxSnapshot)
	if err != nil {
		return fmt.Errorf("member answered: %w", err)
	}
	var snap core.SealedSnapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		return fmt.Errorf("member's snapshot: %w", err)
	}
	return w.ImportContractSnapshot(ctx, snap)
}

// ImportContractSnapshot hands a member's sealed snapshot of a contract to
// the enclave, which checks it against the chain (core.ErrSnapshot...)
// before it makes it this worker's state.
func (w *Worker) ImportContractSnapshot(ctx context.Context, snap core.SealedSnapshot) error {
	return w.enclave.ImportContractSnapshot(ctx, w.src, snap)
}

// ContractSnapshotRequest is the request, signed inside this worker's
// enclave, for a member's snapshot of a contract sealed to this worker.
func (w *Worker) ContractSnapshotRequest(contract [32]byte) core.SnapshotRequest {
	return w.enclave.ContractSnapshotRequest(contract)
}
