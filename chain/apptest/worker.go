package apptest

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/tee/teefake"
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
	return c.Registration(t, op, p, id)
}

// FakeTDXRegistry is SimRegistry that also trusts the fake TDX hardware
// of tee/teefake: its test root, its measurement of SimCode, and its CRLs
// as o makes them.
func FakeTDXRegistry(t testing.TB, o teefake.CRLOptions) registry.Genesis {
	return fakeRegistry(t, tee.KindTDX, o)
}

// FakeSEVSNPRegistry is SimRegistry that also trusts the fake SEV-SNP
// hardware of tee/teefake: its test root, its measurement of SimCode, and
// its ARK's CRL as o makes it.
func FakeSEVSNPRegistry(t testing.TB, o teefake.CRLOptions) registry.Genesis {
	return fakeRegistry(t, tee.KindSEVSNP, o)
}

// fakeRegistry is SimRegistry that also trusts kind's fake hardware.
func fakeRegistry(t testing.TB, kind tee.Kind, o teefake.CRLOptions) registry.Genesis {
	t.Helper()
	g := SimRegistry()
	roots, err := teefake.Roots()
	if err != nil {
		t.Fatal(err)
	}
	collateral := teefake.TDXCollateral
	if kind == tee.KindSEVSNP {
		collateral = teefake.SEVSNPCollateral
	}
	crls, err := collateral(o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := teefake.MeasurementOf(kind, SimCode)
	if err != nil {
		t.Fatal(err)
	}
	g.TestRoots = registry.TestRootsOf(roots)
	g.TDXCollateral = []tee.TDXCollateral{crls}
	g.Params.Measurements = append(g.Params.Measurements, registry.Measurement{TEE: kind, Value: m})
	return g
}

// FakeTDXRegistration is the registration, sent by op, of a new worker
// on tee/teefake's TDX hardware running SimCode, attesting the latest
// block; a chain made with FakeTDXRegistry accepts it.
func (c *Chain) FakeTDXRegistration(t testing.TB, op Account) *registry.MsgRegisterWorker {
	return c.fakeRegistration(t, op, tee.KindTDX)
}

// FakeSEVSNPRegistration is FakeTDXRegistration on tee/teefake's SEV-SNP
// hardware; a chain made with FakeSEVSNPRegistry accepts it.
func (c *Chain) FakeSEVSNPRegistration(t testing.TB, op Account) *registry.MsgRegisterWorker {
	return c.fakeRegistration(t, op, tee.KindSEVSNP)
}

// fakeRegistration registers a new worker on kind's fake hardware.
func (c *Chain) fakeRegistration(t testing.TB, op Account, kind tee.Kind) *registry.MsgRegisterWorker {
	t.Helper()
	if c.Height == 0 {
		c.Block()
	}
	p, err := teefake.Provider(kind, teefake.Options{Code: SimCode, Config: c.GenesisHash()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := ed25519.GenerateKey(rand.Reader)
	return c.Registration(t, op, p, id)
}

// Registration is the registration, sent by op, of the worker with
// identity key id attested by p, attesting the latest block.
func (c *Chain) Registration(t testing.TB, op Account, p tee.Provider, id ed25519.PrivateKey) *registry.MsgRegisterWorker {
	t.Helper()
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
