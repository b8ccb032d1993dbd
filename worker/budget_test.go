package worker_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/worker"
)

// TestRedTeamSnapshotFlood: a requester that asks a worker for contract
// snapshots over and over (each one the enclave would seal) is cut off
// after its budget: the route answers 429 naming the bound, with
// Retry-After, and keeps refusing for the rest of the window.
func TestRedTeamSnapshotFlood(t *testing.T) {
	d, _ := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1}, nil)
	w := d.Workers[0]
	var contract [32]byte
	copy(contract[:], bytes.Repeat([]byte{7}, 32))
	body, _ := json.Marshal(w.ContractSnapshotRequest(contract))
	const flood = 100
	served, refused := 0, 0
	for i := range flood {
		resp, err := http.Post(w.Endpoint()+worker.PathContractSnapshot, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			if refused > 0 {
				t.Fatalf("request %d answered %s after a refusal in the same window", i, resp.Status)
			}
			served++
			continue
		}
		if !strings.Contains(string(raw), "rate limit") || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("refusal %q (Retry-After %q) does not name the bound", raw, resp.Header.Get("Retry-After"))
		}
		refused++
	}
	if refused == 0 {
		t.Fatalf("%d snapshot requests from one requester in a row were all handed to the enclave", flood)
	}
	t.Logf("%d requests handed to the enclave, %d refused with 429", served, refused)
}
