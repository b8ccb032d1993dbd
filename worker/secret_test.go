package worker_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// TestAgentSecretMerge: the owner sets and deletes one secret of an agent
// through a member's enclave (agentio.PathSetSecret) and the others stay;
// the agent (evmspy.js answers with every secret it sees) shows each
// result. The same signed request sent again is refused by the seen-set,
// a new one amending secrets that have since changed is refused naming
// the check, and a request signed by another account is refused.
func TestAgentSecretMerge(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1, Cluster: true}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	cl := waitFullCluster(t, c, 2)
	id := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/evmspy.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	member := d.Workers[1].Endpoint()
	sees := func(want string) {
		t.Helper()
		eventually(t, "the agent to see "+want, func() (bool, error) {
			r, err := c.CallAgent(ctx, alice, member, id, http.MethodPost, "/evm/request", []byte("x"))
			return err == nil && string(r.Body) == "x:"+want, err
		})
	}
	if _, err := c.SetAgentSecrets(ctx, alice, id, map[string]string{"A": "1", "B": "2"}); err != nil {
		t.Fatal(err)
	}
	sees("A=1,B=2")
	if _, err := c.SetAgentSecret(ctx, alice, member, id, "C", "3", false); err != nil {
		t.Fatalf("set C: %v", err)
	}
	sees("A=1,B=2,C=3")
	if _, err := c.SetAgentSecret(ctx, alice, member, id, "A", "", true); err != nil {
		t.Fatalf("delete A: %v", err)
	}
	sees("B=2,C=3")

	// The same signed request twice: the second is a replay.
	a, _, err := c.ProvenAgent(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	oldBase := agentio.SecretsBase(a.Secrets)
	send := signedSecretRequest(t, c, d, alice, id, oldBase, agentio.SecretUpdate{Name: "D", Value: "4"})
	if code, body := send(); code != http.StatusOK {
		t.Fatalf("set D: %d %s", code, body)
	}
	if code, body := send(); code != http.StatusConflict || !strings.Contains(body, "replayed") {
		t.Fatalf("the same signed request again: %d %s, want 409 naming the replay", code, body)
	}
	// Once the secrets change, a new request amending the old ones (an old
	// request signed again) is refused.
	if _, err := c.SetAgentSecret(ctx, alice, member, id, "E", "5", false); err != nil {
		t.Fatalf("set E: %v", err)
	}
	sees("B=2,C=3,E=5")
	stale := signedSecretRequest(t, c, d, alice, id, oldBase, agentio.SecretUpdate{Name: "B", Delete: true})
	if code, body := stale(); code != http.StatusConflict || !strings.Contains(body, "the request amends sealed secrets") {
		t.Fatalf("a request amending the old secrets: %d %s, want 409 naming the check", code, body)
	}
	cur, _, _ := c.ProvenAgent(ctx, id)
	other := signedSecretRequest(t, c, d, bob, id, agentio.SecretsBase(cur.Secrets), agentio.SecretUpdate{Name: "B", Value: "bob"})
	if code, body := other(); code != http.StatusForbidden || !strings.Contains(body, "only the agent's owner") {
		t.Fatalf("bob's request: %d %s, want 403 naming the check", code, body)
	}
	sees("B=2,C=3,E=5")
}

// signedSecretRequest builds one PathSetSecret request signed by key for
// the devnet's worker 1 and returns a function that sends it (the same
// bytes each time) and returns the status and body.
func signedSecretRequest(t *testing.T, c *client.Client, d *devnet.Devnet, key ed25519.PrivateKey, id [32]byte, base string, up agentio.SecretUpdate) func() (int, string) {
	t.Helper()
	ctx := context.Background()
	a, _, err := c.ProvenAgent(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(a.ECDHKey)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(up)
	owner := address.FromPubKey(key.Public().(ed25519.PublicKey))
	env, err := envelope.Seal(pub, envelope.PurposeAgentSecretUpdate, owner[:], plain)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(agentio.SetSecretRequest{Base: base, Update: env.Encode()})
	chainID, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := d.Workers[1]
	url := w.Endpoint() + "/agents/" + hex.EncodeToString(id[:]) + agentio.PathSetSecret
	proto, _ := http.NewRequest(http.MethodPost, url, nil)
	agentio.SignRequest(proto, chainID, id, [32]byte(w.ID()), body, key, time.Now())
	return func() (int, string) {
		r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		r.Header = proto.Header.Clone()
		return doRequest(t, r)
	}
}

// TestConcurrentSecretMerges: two of the owner's tools merge different
// secrets at the same moment, each through its own member. Both start
// from the same sealed secrets, so the second MsgSetSecrets stored would
// drop the first one's key; the chain refuses a merge whose base is no
// longer the stored secrets (agents/21) and the client merges again, once,
// on the new ones, so both keys end up set.
func TestConcurrentSecretMerges(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1, Cluster: true}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	cl := waitFullCluster(t, c, 2)
	id := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/evmspy.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAgentSecrets(ctx, alice, id, map[string]string{"A": "1"}); err != nil {
		t.Fatal(err)
	}
	member := d.Workers[1].Endpoint()
	eventually(t, "the agent to see A=1", func() (bool, error) {
		r, err := c.CallAgent(ctx, alice, member, id, http.MethodPost, "/evm/request", []byte("x"))
		return err == nil && string(r.Body) == "x:A=1", err
	})
	errs := make(chan error, 2)
	for i, kv := range [][2]string{{"B", "2"}, {"C", "3"}} {
		go func() {
			_, err := c.SetAgentSecret(ctx, alice, d.Workers[1+i].Endpoint(), id, kv[0], kv[1], false)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent merge: %v", err)
		}
	}
	eventually(t, "the agent to see both merges", func() (bool, error) {
		r, err := c.CallAgent(ctx, alice, member, id, http.MethodPost, "/evm/request", []byte("x"))
		if err == nil && string(r.Body) != "x:A=1,B=2,C=3" {
			err = fmt.Errorf("the agent sees %q", r.Body)
		}
		return err == nil, err
	})
}
