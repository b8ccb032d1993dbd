// Package computationtest drives the computation and stake pool modules
// through a real app in memory (chain/apptest): it registers sim workers
// with chosen keys and benchmark scores, answers heartbeat challenges for
// them, and reads balances and pools straight from state. Tests of the
// computation and stakepool modules, the economy simulation and the
// benchmarks share it.
package computationtest

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

// Relayer is the account that relays the workers' heartbeats; every chain
// the fixture makes funds it.
var Relayer = apptest.NewAccount(250)

// Fixture is a test chain with the economy's modules configured.
type Fixture struct {
	T      testing.TB
	C      *apptest.Chain
	Params computation.Params
	Pools  stakepool.Params
	seq    map[registry.WorkerID]uint64
	prov   *sim.Provider
	// keys are the workers Register made, in order, whose challenges
	// Block answers.
	keys []ed25519.PrivateKey
}

// New starts a chain that funds accounts (and Relayer) and trusts sim
// workers, with the given economy parameters, and finalizes its first
// block.
func New(t testing.TB, accounts []apptest.Account, cp computation.Params, sp stakepool.Params) *Fixture {
	t.Helper()
	return newWith(t, accounts, computation.Genesis{Params: &cp}, cp, sp)
}

// NewRaw is New with the computation params given as a JSON object, for
// tests that set fields by name.
func NewRaw(t testing.TB, accounts []apptest.Account, cp map[string]any, sp stakepool.Params) *Fixture {
	t.Helper()
	raw, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var p computation.Params
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return newWith(t, accounts, map[string]any{"params": cp}, p, sp)
}

func newWith(t testing.TB, accounts []apptest.Account, section any, cp computation.Params, sp stakepool.Params) *Fixture {
	t.Helper()
	c := apptest.New(t, append(append([]apptest.Account(nil), accounts...), Relayer), map[string]any{
		registry.Name:    apptest.SimRegistry(),
		computation.Name: section,
		stakepool.Name:   stakepool.Genesis{Params: &sp},
	})
	key, _, _ := sim.DevAttestationKey("apptest")
	prov, err := sim.New(sim.Config{AttestationKey: key, SealingSeed: make([]byte, sim.SealingSeedSize), Code: apptest.SimCode, Genesis: c.GenesisHash()})
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{T: t, C: c, Params: cp, Pools: sp, seq: map[registry.WorkerID]uint64{}, prov: prov}
	c.Block()
	return f
}

// WorkerKey is the identity key of the worker made from seed.
func WorkerKey(seed uint32) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	binary.BigEndian.PutUint32(s, seed)
	s[31] = 0x77
	return ed25519.NewKeyFromSeed(s)
}

// ID is a worker key's id.
func ID(k ed25519.PrivateKey) registry.WorkerID {
	return registry.WorkerID(k.Public().(ed25519.PublicKey))
}

// RegisterMsg is the registration of worker seed, operated by op, with
// benchmark score p, attesting the latest block.
func (f *Fixture) RegisterMsg(op apptest.Account, seed uint32, p uint64) (ed25519.PrivateKey, *registry.MsgRegisterWorker) {
	f.T.Helper()
	k := WorkerKey(seed)
	f.keys = append(f.keys, k)
	ecdhSeed := make([]byte, 32)
	binary.BigEndian.PutUint32(ecdhSeed, seed)
	ecdhSeed[31] = 0x5a
	ek, err := ecdh.X25519().NewPrivateKey(ecdhSeed)
	if err != nil {
		f.T.Fatal(err)
	}
	h := f.C.Height
	info := registry.WorkerInfo{
		Version: registry.WorkerInfoVersion, IdentityKey: k.Public().(ed25519.PublicKey), ECDHKey: ek.PublicKey().Bytes(),
		ChainID: apptest.ChainID, GenesisHash: f.C.GenesisHash(), Operator: op.Addr,
		BenchmarkScore: p, AttestedHeight: h, AttestedBlockHash: apptest.BlockHash(h),
	}
	att, err := tee.Attest(f.prov, info.ReportData())
	if err != nil {
		f.T.Fatal(err)
	}
	return k, &registry.MsgRegisterWorker{Info: info, Attestation: att}
}

// Register registers workers with the given seeds and scores, operated by
// op, all in one block.
func (f *Fixture) Register(op apptest.Account, seeds []uint32, p []uint64) []ed25519.PrivateKey {
	f.T.Helper()
	var keys []ed25519.PrivateKey
	var txs [][]byte
	for i, s := range seeds {
		k, msg := f.RegisterMsg(op, s, p[i])
		keys = append(keys, k)
		txs = append(txs, f.C.Tx(op, msg))
	}
	for i, r := range f.C.Block(txs...) {
		if r.Code != 0 {
			f.T.Fatalf("register worker %d: %s", seeds[i], r.Log)
		}
	}
	return keys
}

// HeartbeatTx is Relayer's transaction carrying worker k's answer to the
// challenge of height c, with k's next mq sequence. Call Sent when the
// block accepted it.
func (f *Fixture) HeartbeatTx(k ed25519.PrivateKey, c int64) []byte {
	return f.MQTx(k, computation.TopicHeartbeat, computation.HeartbeatPayload(c))
}

// MQTx is Relayer's transaction carrying a message of worker k's.
func (f *Fixture) MQTx(k ed25519.PrivateKey, topic string, payload []byte) []byte {
	id := ID(k)
	m := mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker, ID: id}, Topic: topic, Payload: payload, Sequence: f.seq[id]}
	m.Sign(apptest.ChainID, k)
	return f.C.Tx(Relayer, &mq.MsgPush{Message: m})
}

// Sent records that worker k's message was accepted, using its sequence.
func (f *Fixture) Sent(k ed25519.PrivateKey) { f.seq[ID(k)]++ }

// Heartbeat delivers worker k's answer to challenge c in its own block.
func (f *Fixture) Heartbeat(k ed25519.PrivateKey, c int64) *abci.ExecTxResult {
	f.T.Helper()
	return f.Post(k, f.HeartbeatTx(k, c))
}

// Post delivers tx, worker k's message from MQTx, in its own block and
// records the sequence as used when the chain took the message; a
// refusal by the topic's module uses the sequence too and comes back as
// the result's code (apptest.MQResult).
func (f *Fixture) Post(k ed25519.PrivateKey, tx []byte) *abci.ExecTxResult {
	f.T.Helper()
	res := f.C.Block(tx)[0]
	if res.Code == 0 {
		f.Sent(k)
	}
	return apptest.MQResult(res)
}

// Challenged reports whether the chain challenges worker id at height h.
func (f *Fixture) Challenged(id registry.WorkerID, h int64) bool {
	return computation.Challenged(apptest.BlockHash(h-1), id, f.Params.ChallengeThreshold)
}

// NextChallenge is the first height at or after from that challenges id.
func (f *Fixture) NextChallenge(id registry.WorkerID, from int64) int64 {
	for h := from; ; h++ {
		if f.Challenged(id, h) {
			return h
		}
	}
}

// Balance reads an account's balance from the working state.
func (f *Fixture) Balance(a address.Address) pha.Amount {
	return balances.Keeper{}.Account(f.C.App.Store(), a).Balance
}

// Pool reads a pool record from the working state.
func (f *Fixture) Pool(id uint64) stakepool.Pool {
	f.T.Helper()
	p, ok := stakepool.Keeper{}.Pool(f.C.App.Store(), id)
	if !ok {
		f.T.Fatalf("no pool %d", id)
	}
	return p
}

// AllPools lists every pool in id order, straight from state.
func (f *Fixture) AllPools() []stakepool.Pool {
	var out []stakepool.Pool
	stakepool.Keeper{}.IteratePools(f.C.App.Store(), func(p stakepool.Pool) bool {
		out = append(out, p)
		return true
	})
	return out
}

// PoolInfo is the answer to the query of pool id.
func (f *Fixture) PoolInfo(id uint64) stakepool.PoolInfo {
	f.T.Helper()
	return apptest.MustQuery[stakepool.PoolInfo](f.T, f.C, stakepool.PoolPath(id))
}

// PoolShares is the answer to the query of a's shares in pool id.
func (f *Fixture) PoolShares(id uint64, a apptest.Account) stakepool.SharesInfo {
	f.T.Helper()
	return apptest.MustQuery[stakepool.SharesInfo](f.T, f.C, stakepool.SharesPath(id, a.Addr))
}

// Session reads a worker's session from the working state.
func (f *Fixture) Session(id registry.WorkerID) (computation.Session, bool) {
	return computation.Keeper{}.Session(f.C.App.Store(), id)
}

// MustOK fails unless res succeeded.
func MustOK(t testing.TB, res *abci.ExecTxResult) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("%s/%d: %s", res.Codespace, res.Code, res.Log)
	}
}

// QuietParams are Phala's economy with a 5-block cool-down, every online
// worker challenged every block and a 999-block heartbeat window: a worker
// stays online for long without answering (and is paid nothing), and one
// whose challenges Block answers is paid every block.
func QuietParams() computation.Params {
	p := computation.DefaultParams()
	p.CooldownBlocks = 5
	p.ChallengeThreshold = ^uint64(0)
	p.HeartbeatWindow = 999
	return p
}

// Earn runs two blocks of Block: the answer to a challenge pays only for
// the idle blocks since the worker's last payout (Phala pays nothing when
// there are none), so with answers in every block every second block
// pays, and two blocks always include one that pays.
func (f *Fixture) Earn() {
	f.T.Helper()
	f.Block()
	f.Block()
}

// Block finalizes a block with txs after the answers of the fixture's
// online workers to their pending challenges (each paid for the blocks
// since its last payout), and returns txs' results.
func (f *Fixture) Block(txs ...[]byte) []*abci.ExecTxResult {
	f.T.Helper()
	var beats [][]byte
	var sent []ed25519.PrivateKey
	for _, k := range f.keys {
		if s, ok := f.Session(ID(k)); ok && s.State == computation.StateComputing && s.Online && s.Challenge != 0 {
			beats = append(beats, f.HeartbeatTx(k, s.Challenge))
			sent = append(sent, k)
		}
	}
	res := f.C.Block(append(beats, txs...)...)
	for i, k := range sent {
		if res[i].Code != 0 {
			f.T.Fatalf("heartbeat of %s: %s", ID(k), res[i].Log)
		}
		f.Sent(k)
	}
	return res[len(beats):]
}

// Worker is the id of the i-th worker Register made (counting from 0).
func (f *Fixture) Worker(i int) registry.WorkerID { return ID(f.keys[i]) }

// CreatePool has owner create a stake pool (pool 1 on a fresh chain) with
// the commission given in basis points, holding worker k.
func (f *Fixture) CreatePool(owner apptest.Account, commissionBps uint32, k ed25519.PrivateKey) {
	f.T.Helper()
	MustOK(f.T, f.C.Deliver(owner, &stakepool.MsgCreate{CommissionBps: commissionBps}))
	MustOK(f.T, f.C.Deliver(owner, &stakepool.MsgAddWorker{Pool: 1, Worker: ID(k)}))
}
