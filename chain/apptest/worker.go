package apptest

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

// SimCode is the code a test chain's sim workers measure.
const SimCode = "phala-pruntime/apptest"

// SimRegistry is a registry genesis that trusts sim workers signed by the
// dev key made from "apptest" and running SimCode.
func SimRegistry() registry.Genesis {
	_, pub, _ := sim.DevAttestationKey("apptest")
	m := sim.Measure(SimCode)
	return registry.Genesis{Params: registry.Params{
		AllowSimTEE:        true,
		SimAttestationKeys: []registry.HexBytes{registry.HexBytes(pub)},
		Measurements:       []registry.Measurement{{TEE: tee.KindSim, Value: m[:]}},
		MaxAttestationAge:  registry.DefaultMaxAttestationAge,
	}}
}

// RegisterSimWorker registers a new sim worker operated by op on a chain
// made with SimRegistry, and returns its identity key.
func (c *Chain) RegisterSimWorker(t testing.TB, op Account) ed25519.PrivateKey {
	t.Helper()
	return c.RegisterSimWorkerRunning(t, op, SimCode)
}

// RegisterSimWorkerRunning is RegisterSimWorker for a worker whose code
// is code (its measurement must be allowed).
func (c *Chain) RegisterSimWorkerRunning(t testing.TB, op Account, code string) ed25519.PrivateKey {
	t.Helper()
	_, id, _ := ed25519.GenerateKey(rand.Reader)
	if res := c.Deliver(op, c.SimRegistration(t, op, code, id)); res.Code != 0 {
		t.Fatalf("register sim worker: %s", res.Log)
	}
	return id
}

// SimRegistration is the registration, sent by op, of the sim worker with
// identity key id running code, attesting the latest block.
func (c *Chain) SimRegistration(t testing.TB, op Account, code string, id ed25519.PrivateKey) *registry.MsgRegisterWorker {
	t.Helper()
	if c.Height == 0 {
		c.Block()
	}
	key, _, _ := sim.DevAttestationKey("apptest")
	p, err := sim.New(sim.Config{AttestationKey: key, SealingSeed: make([]byte, sim.SealingSeedSize), Code: code, Genesis: c.GenesisHash()})
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := ecdh.X25519().GenerateKey(rand.Reader)
	info := registry.WorkerInfo{
		Version: registry.WorkerInfoVersion, IdentityKey: id.Public().(ed25519.PublicKey), ECDHKey: ek.PublicKey().Bytes(),
		ChainID: ChainID, GenesisHash: c.GenesisHash(), Operator: op.Addr,
		BenchmarkScore: 100, AttestedHeight: c.Height, AttestedBlockHash: BlockHash(c.Height),
	}
	att, err := tee.Attest(p, info.ReportData())
	if err != nil {
		t.Fatal(err)
	}
	return &registry.MsgRegisterWorker{Info: info, Attestation: att}
}
