package e2e

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
)

// okAgent answers "ok " and the request body.
const okAgent = `export default async function main(req) { return { status: 200, body: "ok " + req.body } }`

// clusterWorkers is a devnet with its own gatekeeper and one cluster of n
// members, each a separate `phala worker` process.
type clusterWorkers struct {
	dn            *proc
	home, url, gw string
	kr            []string
	workers       []*proc
	ids           []string
	cluster       clusters.Cluster
	// listen is each worker's address; start (re)starts worker i on its
	// home and address.
	listen []string
	start  func(i int) *proc
	// extra is more flags for worker i, or nil.
	extra func(i int) []string
}

func (cw *clusterWorkers) index(id string) int {
	for i, w := range cw.ids {
		if w == id {
			return i
		}
	}
	return -1
}

// procs is the devnet and every worker, for waits that fail when one
// exits.
func (cw *clusterWorkers) procs() []*proc {
	return append([]*proc{cw.dn}, cw.workers...)
}

// restart starts worker i again on its home and listen address (the
// killed one's log files are kept) and requires it to come back with the
// same id.
func (cw *clusterWorkers) restart(t *testing.T, h *harness, i int) *proc {
	t.Helper()
	name := fmt.Sprintf("w%d", i+1)
	cw.workers[i] = cw.startAs(h, i, name+"-restarted")
	if got := cw.workers[i].waitLine(reWorkerID, 30*time.Second)[1]; got != cw.ids[i] {
		t.Fatalf("%s came back as %s, was %s", name, got, cw.ids[i])
	}
	return cw.workers[i]
}

// operators run the workers in turn.
var operators = []string{"bob", "carol", "alice"}

// startAs starts worker i under the process name name.
func (cw *clusterWorkers) startAs(h *harness, i int, name string) *proc {
	home := filepath.Join(filepath.Dir(cw.home), fmt.Sprintf("w%d", i+1))
	args := append(simWorkerArgs(home, cw.home, cw.url, operators[i%len(operators)]), "--listen", cw.listen[i])
	if cw.extra != nil {
		args = append(args, cw.extra(i)...)
	}
	return h.start(name, args...)
}

// startClusterWorkers starts the devnet, n workers (operated by the
// devnet's accounts in turn) and a cluster of them, and waits until every
// member holds its key.
func startClusterWorkers(t *testing.T, h *harness, n int) *clusterWorkers {
	t.Helper()
	return startClusterWorkersWith(t, h, n, nil, nil)
}

// startClusterWorkersWith is startClusterWorkers with more devnet flags,
// and more flags for worker i once the devnet's home is known (extra may
// be nil).
func startClusterWorkersWith(t *testing.T, h *harness, n int, devnetArgs []string, extra func(home string, i int) []string) *clusterWorkers {
	t.Helper()
	cw := &clusterWorkers{}
	cw.dn, cw.home, cw.url = h.startDevnet(append([]string{"--block-time", "200ms", "--workers", "1", "--gatekeepers", "1", "--cluster=false"}, devnetArgs...)...)
	if extra != nil {
		cw.extra = func(i int) []string { return extra(cw.home, i) }
	}
	waitHeight(t, newClient(t, cw.url), 2, 30*time.Second, cw.dn)
	cw.kr = cliFlags(cw.home, cw.url)
	cw.gw = cw.dn.waitLine(reBannerGateway, 30*time.Second)[1]
	cw.start = func(i int) *proc { return cw.startAs(h, i, fmt.Sprintf("w%d", i+1)) }
	// Fixed listen ports keep the endpoints the gateway routes to across
	// a restart.
	for i := range n {
		cw.listen = append(cw.listen, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
		cw.workers = append(cw.workers, cw.start(i))
	}
	for _, w := range cw.workers {
		cw.ids = append(cw.ids, w.waitLine(reWorkerID, 30*time.Second)[1])
	}
	waitFor(t, 30*time.Second, "the workers registered", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", cw.url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &ws) == nil && len(ws) == n+1, nil
	}, cw.procs()...)
	cw.cluster = h.formCluster(cw.kr, cw.url, cw.ids, cw.procs()...)
	t.Logf("cluster %s: members %s", strings.ToUpper(fmt.Sprintf("%x", cw.cluster.ID[:4])), strings.Join(cw.ids, ", "))
	return cw
}

// formCluster creates a cluster as alice, adds the workers ids to it and
// waits until every member holds its key.
func (h *harness) formCluster(kr []string, url string, ids []string, procs ...*proc) clusters.Cluster {
	h.t.Helper()
	h.mustRun(append([]string{"cluster", "create", "--from", "alice"}, kr...)...)
	var cl []clusters.Cluster
	h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
	if len(cl) != 1 {
		h.t.Fatalf("%d clusters after cluster create, want 1", len(cl))
	}
	cid := fmt.Sprintf("%x", []byte(cl[0].ID))
	for _, id := range ids {
		h.mustRun(append([]string{"cluster", "add", cid, id, "--from", "alice"}, kr...)...)
	}
	waitFor(h.t, 60*time.Second, "every member to hold the cluster key", func() (bool, error) {
		h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
		return len(cl) == 1 && len(cl[0].Holders) == len(ids), nil
	}, procs...)
	return cl[0]
}

// devKeys opens the test keyring under home and returns the private keys
// of the named accounts.
func devKeys(t *testing.T, home string, names ...string) []ed25519.PrivateKey {
	t.Helper()
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]ed25519.PrivateKey, len(names))
	for i, name := range names {
		if keys[i], err = kr.PrivKey(name); err != nil {
			t.Fatalf("the devnet keyring has no %s: %v", name, err)
		}
	}
	return keys
}
