package gatekeeper

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/evm/anchorsig"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// evmCore is the chain a gatekeeper reads in these tests: the contract
// records and clusters it is given, all else unused.
type evmCore struct {
	Core
	state    map[string][]byte
	clusters []clusters.Cluster
}

func (c *evmCore) DeriveLabel(l string) string { return l + "/sim" }

func (c *evmCore) State(_ context.Context, _ chainsync.Source, key []byte) ([]byte, int64, error) {
	return c.state[string(key)], 1, nil
}

func (c *evmCore) Clusters(context.Context, chainsync.Source) ([]clusters.Cluster, error) {
	return c.clusters, nil
}

func random32(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// evmGatekeeper is a gatekeeper holding hist, reading chain c.
func evmGatekeeper(t *testing.T, c *evmCore, hist masterHistory) *Gatekeeper {
	t.Helper()
	store, err := sealed.Open(t.TempDir(), random32(t), "test")
	if err != nil {
		t.Fatal(err)
	}
	g := New(c, nil, store)
	if err := g.saveMasters(hist); err != nil {
		t.Fatal(err)
	}
	return g
}

func twoGenerations(t *testing.T) masterHistory {
	return masterHistory{Generations: []masterGeneration{{Number: 0, Secret: random32(t)}, {Number: 1, Secret: random32(t)}}}
}

func TestEVMMasterKeySameForEveryGatekeeper(t *testing.T) {
	hist := twoGenerations(t)
	a, b := evmGatekeeper(t, &evmCore{}, hist), evmGatekeeper(t, &evmCore{}, hist)
	a0, err := a.EVMMasterAddress(0)
	if err != nil {
		t.Fatal(err)
	}
	b0, _ := b.EVMMasterAddress(0)
	a1, _ := a.EVMMasterAddress(1)
	if a0 != b0 || a0 == a1 || a0 == [20]byte{} {
		t.Fatalf("generation 0: %x and %x; generation 1: %x", a0, b0, a1)
	}
	if _, err := a.EVMMasterAddress(2); err == nil || !strings.Contains(err.Error(), "holds no master key of generation 2") {
		t.Fatalf("generation 2 = %v, want a refusal naming it", err)
	}
}

func TestEVMRotationSignedByOldGeneration(t *testing.T) {
	g := evmGatekeeper(t, &evmCore{}, twoGenerations(t))
	chainID, anchor := big.NewInt(1337), [20]byte{9}
	next, sig, err := g.SignEVMRotation(chainID, anchor, 1)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := g.EVMMasterAddress(0)
	if want, _ := g.EVMMasterAddress(1); next != want {
		t.Fatalf("next = %x, want generation 1's %x", next, want)
	}
	d := anchorsig.RotateDigest(chainID, anchor, next, 1)
	if signer, err := agentio.RecoverPersonal(d[:], sig); err != nil || signer != old {
		t.Fatalf("rotation signed by %x (%v), want generation 0's %x", signer, err, old)
	}
}

// agentChain puts agent in cluster on the chain c reads.
func agentChain(t *testing.T, agent [32]byte, cluster clusters.Cluster, listed bool) *evmCore {
	raw, err := json.Marshal(contracts.Contract{ID: agent[:], Kind: "agent", Cluster: cluster.ID})
	if err != nil {
		t.Fatal(err)
	}
	c := &evmCore{state: map[string][]byte{string(contracts.ContractKey(agent)): raw}}
	if listed {
		c.clusters = []clusters.Cluster{cluster}
	}
	return c
}

func TestEVMAuthorizationOfTheAgentsClusterKey(t *testing.T) {
	hist := twoGenerations(t)
	agent := [32]byte(random32(t))
	cl := clusters.Cluster{ID: random32(t), Epoch: 3, Generation: 1}
	c := agentChain(t, agent, cl, true)
	g := evmGatekeeper(t, c, hist)
	chainID, anchor := big.NewInt(1337), [20]byte{7}
	a, err := g.AuthorizeEVMAnswerKey(context.Background(), nil, chainID, anchor, agent)
	if err != nil {
		t.Fatal(err)
	}
	// A member derives the answer key from the cluster key it was sent.
	ms, _ := keyderive.NewSecret(hist.Generations[1].Secret)
	cs := keyderive.DeriveClusterKey(ms, cl.ID, cl.Epoch, c.DeriveLabel)
	k, err := AnswerKey(keyderive.DeriveContractKey(cs, agent[:], c.DeriveLabel), c.DeriveLabel)
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != anchorsig.Address(k) || a.Generation != 1 || !bytes.Equal(a.Agent[:], agent[:]) {
		t.Fatalf("authorized %x gen %d, want the member's %x gen 1", a.Key, a.Generation, anchorsig.Address(k))
	}
	master, _ := g.EVMMasterAddress(1)
	d := anchorsig.AuthorizeDigest(chainID, anchor, agent, a.Key, 1)
	if signer, err := agentio.RecoverPersonal(d[:], a.Sig); err != nil || signer != master {
		t.Fatalf("authorization signed by %x (%v), want the master EVM key %x", signer, err, master)
	}
}

// TestRedTeamEVMAuthorizationForeignAgent: a host asks its gatekeeper to
// authorize an answer key for an agent the chain does not have, or whose
// cluster it does not have; the enclave refuses, naming the check.
func TestRedTeamEVMAuthorizationForeignAgent(t *testing.T) {
	agent := [32]byte(random32(t))
	cl := clusters.Cluster{ID: random32(t), Generation: 0}
	for _, tc := range []struct {
		name string
		core *evmCore
		want string
	}{
		{"agent not on chain", &evmCore{}, "is not on chain"},
		{"cluster not on chain", agentChain(t, agent, cl, false), "not on chain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := evmGatekeeper(t, tc.core, twoGenerations(t))
			_, err := g.AuthorizeEVMAnswerKey(context.Background(), nil, big.NewInt(1), [20]byte{}, agent)
			if err == nil || !strings.Contains(err.Error(), "evm authorization") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want the evm authorization refusal %q", err, tc.want)
			}
		})
	}
}
