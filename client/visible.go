package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/phalanetwork/phala/modules/registry"
)

// What a transaction's effect needs before the next command can rely on
// it: committed in block H (BroadcastCommit returns then); visible to
// queries, which read the state the node last committed (the node is at
// H); provable, which takes header H+1 (it carries the AppHash of the state
// after H); and seen by the workers, whose enclaves read state only
// through their light client, at the height below the last header they
// verified (a worker's /info synced_height >= H+1).

// visiblePoll is how often the waits below ask again.
const visiblePoll = 50 * time.Millisecond

// WaitVisible waits until the node has block height+1: the state after
// block height is then what queries read, and it is provable.
func (c *Client) WaitVisible(ctx context.Context, height int64) error {
	return poll(ctx, func() (bool, error) {
		st, err := c.RPC.Status(ctx)
		if err != nil {
			return false, err
		}
		return st.SyncInfo.LatestBlockHeight > height, nil
	})
}

// WorkerSync is how far one worker's enclave has verified the chain.
type WorkerSync struct {
	Worker   registry.WorkerID `json:"worker"`
	Endpoint string            `json:"endpoint"`
	Synced   int64             `json:"synced_height"`
	Err      string            `json:"error,omitempty"`
}

// Sees reports whether the worker reads the state after block height.
func (w WorkerSync) Sees(height int64) bool { return w.Err == "" && w.Synced > height }

// WaitWorkers waits until every active worker with an endpoint reports
// (GET <endpoint>/info) a light-client height above height, so it serves
// calls against the state after that block; it returns each worker's last
// report. A worker that does not answer is reported, not waited for. When
// ctx ends first it returns the reports with ctx's error.
func (c *Client) WaitWorkers(ctx context.Context, height int64) ([]WorkerSync, error) {
	ws, err := c.Workers(ctx)
	if err != nil {
		return nil, err
	}
	var out []WorkerSync
	for _, w := range ws {
		if w.Active() && w.Endpoint != "" {
			out = append(out, WorkerSync{Worker: w.ID, Endpoint: w.Endpoint})
		}
	}
	err = poll(ctx, func() (bool, error) {
		done := true
		for i := range out {
			if out[i].Err != "" || out[i].Sees(height) {
				continue
			}
			out[i].Synced, out[i].Err = workerSynced(ctx, out[i].Endpoint)
			done = done && (out[i].Err != "" || out[i].Sees(height))
		}
		return done, nil
	})
	return out, err
}

// workerSynced asks a worker for its light client's height.
func workerSynced(ctx context.Context, endpoint string) (int64, string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/info", nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var st struct {
		Synced int64 `json:"synced_height"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return 0, fmt.Sprintf("%s/info: %s", endpoint, resp.Status)
	}
	return st.Synced, ""
}

// poll calls cond until it reports done or fails, or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(visiblePoll)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
