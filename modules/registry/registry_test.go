package registry_test

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

const code = "phala-pruntime/test"

var operator, stranger = apptest.NewAccount(1), apptest.NewAccount(2)

type fixture struct {
	chain    *apptest.Chain
	provider *sim.Provider
	simKey   ed25519.PrivateKey
	identity ed25519.PrivateKey
}

func newFixture(t *testing.T, mutate func(*registry.Params)) *fixture {
	t.Helper()
	simKey, simPub, err := sim.DevAttestationKey("registry-test")
	if err != nil {
		t.Fatal(err)
	}
	m := sim.Measure(code)
	p := registry.Params{
		AllowSimTEE:        true,
		SimAttestationKeys: []registry.HexBytes{registry.HexBytes(simPub)},
		Measurements:       []registry.Measurement{{TEE: tee.KindSim, Value: m[:]}},
		MaxAttestationAge:  5,
	}
	if mutate != nil {
		mutate(&p)
	}
	c := apptest.New(t, []apptest.Account{operator, stranger}, map[string]any{registry.Name: registry.Genesis{Params: p}})
	c.Block()
	c.Block()
	f := &fixture{chain: c, simKey: simKey, provider: newProvider(t, simKey, code, c.GenesisHash())}
	_, f.identity, _ = ed25519.GenerateKey(rand.Reader)
	return f
}

func newProvider(t *testing.T, key ed25519.PrivateKey, code string, genesis [32]byte) *sim.Provider {
	t.Helper()
	p, err := sim.New(sim.Config{AttestationKey: key, SealingSeed: make([]byte, sim.SealingSeedSize), Code: code, Genesis: genesis})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// info is a correct WorkerInfo attesting the latest block.
func (f *fixture) info() registry.WorkerInfo {
	ek, _ := ecdh.X25519().GenerateKey(rand.Reader)
	h := f.chain.Height
	return registry.WorkerInfo{
		Version:           registry.WorkerInfoVersion,
		IdentityKey:       f.identity.Public().(ed25519.PublicKey),
		ECDHKey:           ek.PublicKey().Bytes(),
		ChainID:           apptest.ChainID,
		GenesisHash:       f.chain.GenesisHash(),
		Operator:          operator.Addr,
		Features:          []string{"mq/v1"},
		BenchmarkScore:    1000,
		AttestedHeight:    h,
		AttestedBlockHash: apptest.BlockHash(h),
	}
}

func (f *fixture) msg(t *testing.T, info registry.WorkerInfo, p tee.Provider) *registry.MsgRegisterWorker {
	t.Helper()
	att, err := tee.Attest(p, info.ReportData())
	if err != nil {
		t.Fatal(err)
	}
	return &registry.MsgRegisterWorker{Info: info, Attestation: att}
}

func (f *fixture) workers(t *testing.T) []registry.Worker {
	var ws []registry.Worker
	f.chain.Query("/registry/workers", &ws)
	return ws
}

func TestRegisterWorker(t *testing.T) {
	f := newFixture(t, nil)
	info := f.info()
	res := f.chain.Deliver(operator, f.msg(t, info, f.provider))
	if res.Code != 0 {
		t.Fatalf("register: %s", res.Log)
	}
	var w registry.Worker
	if r := f.chain.Query("/registry/worker/"+info.ID().String(), &w); r.Code != 0 {
		t.Fatal(r.Log)
	}
	m := sim.Measure(code)
	if w.TEE != tee.KindSim || string(w.Measurement) != string(m[:]) || w.Operator != operator.Addr || w.BenchmarkScore != 1000 || w.RegisteredHeight != f.chain.Height {
		t.Fatalf("record %+v", w)
	}
	// Re-attesting later keeps the registration height.
	f.chain.Block()
	info2 := info
	info2.AttestedHeight, info2.AttestedBlockHash = f.chain.Height, apptest.BlockHash(f.chain.Height)
	info2.BenchmarkScore = 2000
	if res := f.chain.Deliver(operator, f.msg(t, info2, f.provider)); res.Code != 0 {
		t.Fatalf("re-attest: %s", res.Log)
	}
	f.chain.Query("/registry/worker/"+info.ID().String(), &w)
	if w.BenchmarkScore != 2000 || w.RegisteredHeight == f.chain.Height {
		t.Fatalf("after re-attest %+v", w)
	}
}

func TestRegisterRejections(t *testing.T) {
	tests := []struct {
		name   string
		params func(*registry.Params)
		build  func(t *testing.T, f *fixture) (apptest.Account, tx.Msg)
		code   uint32
		space  string
	}{
		{"wrong chain id", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			i := f.info()
			i.ChainID = "other-chain"
			return operator, f.msg(t, i, f.provider)
		}, registry.ErrWrongChain.Code, registry.Codespace},
		{"wrong genesis", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			i := f.info()
			i.GenesisHash[0] ^= 1
			return operator, f.msg(t, i, f.provider)
		}, registry.ErrWrongChain.Code, registry.Codespace},
		{"stale attestation", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			i := f.info()
			for range 6 {
				f.chain.Block()
			}
			return operator, f.msg(t, i, f.provider)
		}, registry.ErrStaleAttestation.Code, registry.Codespace},
		{"wrong block hash", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			i := f.info()
			i.AttestedBlockHash = apptest.BlockHash(999)
			return operator, f.msg(t, i, f.provider)
		}, registry.ErrStaleAttestation.Code, registry.Codespace},
		{"forged evidence", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			m := f.msg(t, f.info(), f.provider)
			m.Attestation.Evidence[len(m.Attestation.Evidence)-1] ^= 1
			return operator, m
		}, registry.ErrBadAttestation.Code, registry.Codespace},
		{"report data mismatch", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			i := f.info()
			m := f.msg(t, i, f.provider)
			m.Info.BenchmarkScore++ // the quote vouches for the other score
			return operator, m
		}, registry.ErrReportDataMismatch.Code, registry.Codespace},
		{"measurement off the allow-list", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			return operator, f.msg(t, f.info(), newProvider(t, f.simKey, "evil-build", f.chain.GenesisHash()))
		}, registry.ErrMeasurementRejected.Code, registry.Codespace},
		{"sim not allowed", func(p *registry.Params) { p.AllowSimTEE = false }, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			return operator, f.msg(t, f.info(), f.provider)
		}, registry.ErrSimNotAllowed.Code, registry.Codespace},
		{"unknown dev attestation key", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			other, _, _ := sim.DevAttestationKey("someone-else")
			return operator, f.msg(t, f.info(), newProvider(t, other, code, f.chain.GenesisHash()))
		}, registry.ErrBadAttestation.Code, registry.Codespace},
		{"sender is not the operator", nil, func(t *testing.T, f *fixture) (apptest.Account, tx.Msg) {
			return stranger, f.msg(t, f.info(), f.provider)
		}, registry.ErrNotOperator.Code, registry.Codespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.params)
			from, msg := tt.build(t, f)
			apptest.ExpectCode(t, f.chain.Deliver(from, msg), tt.space, tt.code)
			if ws := f.workers(t); len(ws) != 0 {
				t.Fatalf("a rejected registration left %d workers", len(ws))
			}
		})
	}
}

// TestRegisterRefusesEnclaveOfAnotherGenesis: an enclave launched for
// another chain's genesis (its TEE attests that genesis as its
// configuration) is refused although its worker info names this chain's
// genesis hash, and the refusal names the attested genesis.
func TestRegisterRefusesEnclaveOfAnotherGenesis(t *testing.T) {
	f := newFixture(t, nil)
	other := f.chain.GenesisHash()
	other[0] ^= 1
	res := f.chain.Deliver(operator, f.msg(t, f.info(), newProvider(t, f.simKey, code, other)))
	apptest.ExpectCode(t, res, registry.Codespace, registry.ErrWrongChain.Code)
	if want := fmt.Sprintf("attested genesis %x is not this chain's", other); !strings.Contains(res.Log, want) {
		t.Fatalf("log %q does not say %q", res.Log, want)
	}
	if ws := f.workers(t); len(ws) != 0 {
		t.Fatalf("a refused registration left %d workers", len(ws))
	}
}

func TestReplayedAttestation(t *testing.T) {
	f := newFixture(t, nil)
	m := f.msg(t, f.info(), f.provider)
	if res := f.chain.Deliver(operator, m); res.Code != 0 {
		t.Fatal(res.Log)
	}
	apptest.ExpectCode(t, f.chain.Deliver(operator, m), registry.Codespace, registry.ErrReplayed.Code)
	// CheckTx refuses it too, before it costs a fee.
	if res := f.chain.Check(f.chain.Tx(operator, m)); res.Code != registry.ErrReplayed.Code {
		t.Fatalf("check: %d %s", res.Code, res.Log)
	}
}

func TestUpdateEndpoint(t *testing.T) {
	f := newFixture(t, nil)
	info := f.info()
	if res := f.chain.Deliver(operator, f.msg(t, info, f.provider)); res.Code != 0 {
		t.Fatal(res.Log)
	}
	upd := &registry.MsgUpdateEndpoint{Endpoint: "https://worker.example:8443", Height: f.chain.Height}
	upd.Sign(apptest.ChainID, f.identity)
	// Anyone may relay a signed update.
	if res := f.chain.Deliver(stranger, upd); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var w registry.Worker
	f.chain.Query("/registry/worker/"+info.ID().String(), &w)
	if w.Endpoint != "https://worker.example:8443" {
		t.Fatalf("endpoint %q", w.Endpoint)
	}
	apptest.ExpectCode(t, f.chain.Deliver(stranger, upd), registry.Codespace, registry.ErrReplayed.Code)

	forged := &registry.MsgUpdateEndpoint{Endpoint: "http://evil", Height: f.chain.Height}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged.Sign(apptest.ChainID, other)
	forged.Worker = info.ID()
	apptest.ExpectCode(t, f.chain.Deliver(operator, forged), registry.Codespace, registry.ErrBadWorkerSignature.Code)

	bad := &registry.MsgUpdateEndpoint{Endpoint: "ftp://nope", Height: f.chain.Height}
	bad.Sign(apptest.ChainID, f.identity)
	apptest.ExpectCode(t, f.chain.Deliver(operator, bad), "phala", tx.ErrInvalidMsg.Code)
	f.chain.Query("/registry/worker/"+info.ID().String(), &w)
	if w.Endpoint != "https://worker.example:8443" {
		t.Fatalf("endpoint changed by a rejected update: %q", w.Endpoint)
	}
}
