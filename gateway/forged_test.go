package gateway_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
)

// TestForgedRequestsRefusedByTheWorker: the gateway leaves a signed
// request's signature to the worker it names, which refuses a forged
// signature and a body edited after signing with 401 and serves neither;
// the gateway itself still refuses malformed caller headers and a stale
// time without asking a worker, and the honest request is served.
func TestForgedRequestsRefusedByTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	d, c, alice := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 1, Cluster: true})
	member := d.Workers[1] // the gatekeeper is Workers[0]
	var list []clusters.Cluster
	waitUntil(t, "the member to hold the cluster key", func() bool {
		_, err := c.Query(ctx, "/clusters/list", &list)
		return err == nil && len(list) == 1 && len(list[0].Holders) == 1
	})
	agent := devnettest.DeployAgent(t, c, alice, `export default async function main(req) { return { status: 200, body: "ok" } }`, [32]byte(list[0].ID), pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	chainID, _ := c.ChainID(ctx)
	url := d.Gateway.URL() + "/agents/" + hex.EncodeToString(agent[:]) + "/"
	send := func(body string, at time.Time, edit func(*http.Request)) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		agentio.SignRequest(req, chainID, agent, [32]byte(member.ID()), []byte(body), alice, at)
		edit(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	keep := func(*http.Request) {}
	waitUntil(t, "an honest call to be served", func() bool {
		code, _ := send("hello", time.Now(), keep)
		return code == http.StatusOK
	})
	// The worker counts a refusal before it answers; an answer it serves
	// may be counted after the caller has it.
	refused := func() int { t.Helper(); return agentCallsAnswered(t, member.Endpoint(), agent, "401") }
	before := refused()
	for _, tc := range []struct {
		name string
		edit func(*http.Request)
	}{
		{"a forged signature", func(r *http.Request) {
			// Another hex digit, so the header stays well formed and
			// only the worker can tell (flipping a bit of "a" or "f"
			// gave a character the gateway's screen refuses first).
			sig := []byte(r.Header.Get(agentio.HeaderSignature))
			if sig[0] == '0' {
				sig[0] = '1'
			} else {
				sig[0] = '0'
			}
			r.Header.Set(agentio.HeaderSignature, string(sig))
		}},
		{"a body edited after signing", func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader([]byte("hellO"))), 5
		}},
	} {
		if code, body := send("hello", time.Now(), tc.edit); code != http.StatusUnauthorized || !strings.Contains(body, "signature") {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
	}
	if n := refused(); n != before+2 {
		t.Fatalf("the worker refused %d calls after the two forgeries, want %d: it was not the one that refused them", n, before+2)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		edit func(*http.Request)
	}{
		{"a malformed caller key", time.Now(), func(r *http.Request) { r.Header.Set(agentio.HeaderCaller, "zz") }},
		{"a stale time", time.Now().Add(-2 * agentio.Skew), keep},
	} {
		if code, body := send("hello", tc.at, tc.edit); code != http.StatusUnauthorized {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
	}
	if n := refused(); n != before+2 {
		t.Fatalf("the gateway forwarded junk headers: the worker refused %d calls, want %d", n, before+2)
	}
}
