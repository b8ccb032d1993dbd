package keys_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

var op2, stranger = apptest.NewAccount(3), apptest.NewAccount(4)

// bondParams: three elected of however many gatekeepers, a short rotation
// timeout and a five-block unbond delay.
var bondParams = keys.Params{RotationTimeout: 3, MaxGatekeepers: 3, UnbondDelay: 5}

type bondFixture struct {
	c *apptest.Chain
	// workers[i] is registered with seed i+1 and operated by op; the first
	// gatekeepers of them are gatekeepers, added in that order.
	workers []ed25519.PrivateKey
	gk      [][32]byte
}

// newBondFixture registers gatekeepers+extra workers operated by op
// (workers with fixed keys, so two fixtures reach the same state) and makes
// the first gatekeepers of them gatekeepers.
func newBondFixture(t *testing.T, gatekeepers, extra int) *bondFixture {
	t.Helper()
	c := apptest.New(t, []apptest.Account{authority, op, op2, stranger}, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{Authority: authority.Addr, Params: &bondParams},
	})
	f := &bondFixture{c: c}
	for i := range gatekeepers + extra {
		k := registerWorker(t, c, op, byte(i+1))
		f.workers = append(f.workers, k)
		if i < gatekeepers {
			mustOK(t, c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(k)}))
			f.gk = append(f.gk, id(k))
		}
	}
	return f
}

// registerWorker is apptest.RegisterSimWorker with keys made from seed.
func registerWorker(t *testing.T, c *apptest.Chain, op apptest.Account, seed byte) ed25519.PrivateKey {
	t.Helper()
	if c.Height == 0 {
		c.Block()
	}
	attKey, _, _ := sim.DevAttestationKey("apptest")
	p, err := sim.New(sim.Config{AttestationKey: attKey, SealingSeed: make([]byte, sim.SealingSeedSize), Code: apptest.SimCode, Genesis: c.GenesisHash()})
	if err != nil {
		t.Fatal(err)
	}
	idKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	ek, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{seed, 0x5a}, 16))
	if err != nil {
		t.Fatal(err)
	}
	info := registry.WorkerInfo{
		Version: registry.WorkerInfoVersion, IdentityKey: idKey.Public().(ed25519.PublicKey), ECDHKey: ek.PublicKey().Bytes(),
		ChainID: apptest.ChainID, GenesisHash: c.GenesisHash(), Operator: op.Addr,
		BenchmarkScore: 100, AttestedHeight: c.Height, AttestedBlockHash: apptest.BlockHash(c.Height),
	}
	att, err := tee.Attest(p, info.ReportData())
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, c.Deliver(op, &registry.MsgRegisterWorker{Info: info, Attestation: att}))
	return idKey
}

func mustOK(t *testing.T, res *abci.ExecTxResult) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("%s/%d: %s", res.Codespace, res.Code, res.Log)
	}
}

func balance(t *testing.T, c *apptest.Chain, addr fmt.Stringer) pha.Amount {
	t.Helper()
	return apptest.MustQuery[balances.AccountResponse](t, c, "/balances/account/"+addr.String()).Balance
}

func gatekeeper(t *testing.T, c *apptest.Chain, gk [32]byte) keys.Gatekeeper {
	t.Helper()
	for _, g := range state(t, c).Gatekeepers {
		if string(g.Worker) == string(gk[:]) {
			return g
		}
	}
	t.Fatalf("no gatekeeper %x", gk)
	return keys.Gatekeeper{}
}

// checkBondAccount: the bond account holds exactly what is bonded and
// unbonding, as the state query reports it.
func checkBondAccount(t *testing.T, c *apptest.Chain) {
	t.Helper()
	var sum pha.Amount
	for _, g := range state(t, c).Gatekeepers {
		sum = apptest.Add(t, sum, g.Bonded)
		for _, u := range g.Unbonding {
			sum = apptest.Add(t, sum, u.Amount)
		}
	}
	if got := balance(t, c, keys.BondAccount); got != sum {
		t.Fatalf("height %d: bond account holds %s, bonded and unbonding add up to %s", c.Height, got.PHA(), sum.PHA())
	}
}

func TestBondAndUnbond(t *testing.T) {
	f := newBondFixture(t, 2, 0)
	c, g := f.c, f.gk[0]
	fee := app.DefaultParams().MinFee
	start := balance(t, c, op.Addr)

	mustOK(t, c.Deliver(op, &keys.MsgBond{Gatekeeper: g, Amount: pha.Whole(100)}))
	if got, want := balance(t, c, op.Addr), apptest.Sub(t, start, apptest.Add(t, pha.Whole(100), fee)); got != want {
		t.Fatalf("operator has %s after bonding, want %s", got.PHA(), want.PHA())
	}
	mustOK(t, c.Deliver(op, &keys.MsgBond{Gatekeeper: g, Amount: pha.Whole(50)}))
	if gk := gatekeeper(t, c, g); gk.Bonded != pha.Whole(150) || len(gk.Unbonding) != 0 {
		t.Fatalf("gatekeeper %+v, want 150 PHA bonded", gk)
	}
	if other := gatekeeper(t, c, f.gk[1]); !other.Bonded.IsZero() {
		t.Fatalf("the other gatekeeper has %s bonded", other.Bonded.PHA())
	}
	checkBondAccount(t, c)

	// Two unbondings in one transaction mature together, as one entry.
	mustOK(t, c.Deliver(op, &keys.MsgUnbond{Gatekeeper: g, Amount: pha.Whole(30)}, &keys.MsgUnbond{Gatekeeper: g, Amount: pha.Whole(30)}))
	release := c.Height + bondParams.UnbondDelay
	gk := gatekeeper(t, c, g)
	if gk.Bonded != pha.Whole(90) || len(gk.Unbonding) != 1 || gk.Unbonding[0] != (keys.Unbonding{Amount: pha.Whole(60), Release: release}) {
		t.Fatalf("after unbonding 60 PHA: %+v, want 90 PHA bonded and 60 PHA released at %d", gk, release)
	}
	res := c.Query("/keys/state", nil)
	if !strings.Contains(string(res.Value), `"bonded":"90000000000000","unbonding":[{"amount":"60000000000000","release_height":`+fmt.Sprint(release)+`}]`) {
		t.Fatalf("state JSON lacks the bond: %s", res.Value)
	}
	checkBondAccount(t, c)

	// Nothing comes back before the release height, all of it at it.
	held := balance(t, c, op.Addr)
	for c.Height < release-1 {
		c.Block()
		if got := balance(t, c, op.Addr); got != held || len(gatekeeper(t, c, g).Unbonding) != 1 {
			t.Fatalf("height %d (release at %d): operator has %s, had %s", c.Height, release, got.PHA(), held.PHA())
		}
	}
	c.Block()
	if got, want := balance(t, c, op.Addr), apptest.Add(t, held, pha.Whole(60)); got != want {
		t.Fatalf("at the release height the operator has %s, want %s", got.PHA(), want.PHA())
	}
	if gk := gatekeeper(t, c, g); gk.Bonded != pha.Whole(90) || len(gk.Unbonding) != 0 {
		t.Fatalf("after the release: %+v", gk)
	}
	checkBondAccount(t, c)

	// Unbonding everything removes the bond record; once released the
	// operator has all of it back, less the fees it paid.
	mustOK(t, c.Deliver(op, &keys.MsgUnbond{Gatekeeper: g, Amount: pha.Whole(90)}))
	if raw := c.App.Store().Get(keys.BondKey(g)); raw != nil {
		t.Fatalf("bond record left after unbonding everything: %s", raw)
	}
	for range bondParams.UnbondDelay {
		checkBondAccount(t, c)
		c.Block()
	}
	if got := balance(t, c, keys.BondAccount); !got.IsZero() {
		t.Fatalf("bond account holds %s after every unbonding", got.PHA())
	}
	fees := pha.Units(0)
	for range 4 {
		fees = apptest.Add(t, fees, fee)
	}
	if got, want := balance(t, c, op.Addr), apptest.Sub(t, start, fees); got != want {
		t.Fatalf("operator ends with %s, want %s", got.PHA(), want.PHA())
	}
}

func TestBondErrors(t *testing.T) {
	bond := func(i int, amount pha.Amount) func(f *bondFixture) tx.Msg {
		return func(f *bondFixture) tx.Msg { return &keys.MsgBond{Gatekeeper: id(f.workers[i]), Amount: amount} }
	}
	unbond := func(i int, amount pha.Amount) func(f *bondFixture) tx.Msg {
		return func(f *bondFixture) tx.Msg { return &keys.MsgUnbond{Gatekeeper: id(f.workers[i]), Amount: amount} }
	}
	cases := []struct {
		name  string
		from  apptest.Account
		msg   func(f *bondFixture) tx.Msg
		space string
		code  uint32
	}{
		{"bond zero", op, bond(0, pha.Amount{}), keys.Codespace, keys.ErrZeroAmount.Code},
		{"unbond zero", op, unbond(0, pha.Amount{}), keys.Codespace, keys.ErrZeroAmount.Code},
		{"bond to a worker that is not a gatekeeper", op, bond(2, pha.Whole(1)), keys.Codespace, keys.ErrUnknownGatekeeper.Code},
		{"bond to an unknown id", op, func(*bondFixture) tx.Msg { return &keys.MsgBond{Gatekeeper: [32]byte{9}, Amount: pha.Whole(1)} }, keys.Codespace, keys.ErrUnknownGatekeeper.Code},
		{"unbond from a worker that is not a gatekeeper", op, unbond(2, pha.Whole(1)), keys.Codespace, keys.ErrUnknownGatekeeper.Code},
		{"bond by an account that operates nothing", stranger, bond(0, pha.Whole(1)), keys.Codespace, keys.ErrNotOperator.Code},
		{"bond by the key authority", authority, bond(0, pha.Whole(1)), keys.Codespace, keys.ErrNotOperator.Code},
		{"unbond by another account", op2, unbond(0, pha.Whole(1)), keys.Codespace, keys.ErrNotOperator.Code},
		{"bond more than the balance", op, bond(0, pha.Whole(2_000_000)), balances.Codespace, balances.ErrInsufficientFunds.Code},
		{"unbond more than bonded", op, unbond(0, apptest.Add(t, pha.Whole(10), pha.Units(1))), keys.Codespace, keys.ErrUnbondTooMuch.Code},
		{"unbond from a gatekeeper with no bond", op, unbond(1, pha.Units(1)), keys.Codespace, keys.ErrUnbondTooMuch.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newBondFixture(t, 2, 1)
			mustOK(t, f.c.Deliver(op, &keys.MsgBond{Gatekeeper: f.gk[0], Amount: pha.Whole(10)}))
			before := balance(t, f.c, tc.from.Addr)
			apptest.ExpectCode(t, f.c.Deliver(tc.from, tc.msg(f)), tc.space, tc.code)
			// Nothing moved but the fee (none for a message refused
			// before it is charged).
			want := apptest.Sub(t, before, app.DefaultParams().MinFee)
			if tc.code == keys.ErrZeroAmount.Code && tc.space == keys.Codespace {
				want = before
			}
			if got := balance(t, f.c, tc.from.Addr); got != want {
				t.Fatalf("sender has %s, want %s", got.PHA(), want.PHA())
			}
			if g0, g1 := gatekeeper(t, f.c, f.gk[0]), gatekeeper(t, f.c, f.gk[1]); g0.Bonded != pha.Whole(10) || len(g0.Unbonding) != 0 || !g1.Bonded.IsZero() {
				t.Fatalf("bonds changed: %+v %+v", g0, g1)
			}
			checkBondAccount(t, f.c)
		})
	}
}

// rankByID returns the fixture's gatekeeper indices in ascending id order.
func rankByID(f *bondFixture) []int {
	r := []int{0, 1, 2, 3}[:len(f.gk)]
	slices.SortFunc(r, func(a, b int) int { return bytes.Compare(f.gk[a][:], f.gk[b][:]) })
	return r
}

func startRotation(t *testing.T, f *bondFixture) *keys.Rotation {
	t.Helper()
	masterPub, masterKey, _ := ed25519.GenerateKey(nil)
	mustOK(t, f.c.PostMQ(op, f.workers[0], keys.TopicMasterPubKey, masterPayload(0, masterPub)))
	holdAll(t, f.c, masterKey, f.workers[:len(f.gk)]...)
	mustOK(t, f.c.Deliver(authority, &keys.MsgRotate{}))
	s := state(t, f.c)
	if s.Running == nil {
		t.Fatal("no rotation running")
	}
	return s.Running
}

func members(r *keys.Rotation) []string {
	var out []string
	for _, m := range r.Members {
		out = append(out, hex.EncodeToString(m))
	}
	return out
}

func idsOf(f *bondFixture, rank []int, want []int) []string {
	var out []string
	for _, r := range want {
		out = append(out, hex.EncodeToString(f.gk[rank[r]][:]))
	}
	return out
}

// TestElectionByStake: four gatekeepers, three elected, by bond and then
// by id. Gatekeepers are named by their rank in id order (0 = lowest id),
// not by the order they were added.
func TestElectionByStake(t *testing.T) {
	cases := []struct {
		name   string
		bond   map[int]pha.Amount // by id rank
		unbond map[int]pha.Amount
		want   []int // id ranks, in member order
	}{
		{"nobody bonded: the lowest ids", nil, nil, []int{0, 1, 2}},
		{"bonded first, then the unbonded by id", map[int]pha.Amount{3: pha.Whole(10), 2: pha.Whole(20)}, nil, []int{2, 3, 0}},
		{"equal bonds: by id", map[int]pha.Amount{3: pha.Whole(7), 1: pha.Whole(7), 2: pha.Whole(7)}, nil, []int{1, 2, 3}},
		{"one base unit decides", map[int]pha.Amount{3: pha.Units(2), 2: pha.Units(1)}, nil, []int{3, 2, 0}},
		{"a bonded gatekeeper beyond the seats is left out", map[int]pha.Amount{0: pha.Whole(1), 1: pha.Whole(3), 2: pha.Whole(4), 3: pha.Whole(2)}, nil, []int{2, 1, 3}},
		{"unbonding stops counting at once", map[int]pha.Amount{3: pha.Whole(50), 2: pha.Whole(10)}, map[int]pha.Amount{3: pha.Whole(45)}, []int{2, 3, 0}},
		{"fully unbonded falls back to id order", map[int]pha.Amount{3: pha.Whole(50)}, map[int]pha.Amount{3: pha.Whole(50)}, []int{0, 1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newBondFixture(t, 4, 0)
			rank := rankByID(f)
			for r := range 4 {
				if a, ok := tc.bond[r]; ok {
					mustOK(t, f.c.Deliver(op, &keys.MsgBond{Gatekeeper: f.gk[rank[r]], Amount: a}))
				}
			}
			for r := range 4 {
				if a, ok := tc.unbond[r]; ok {
					mustOK(t, f.c.Deliver(op, &keys.MsgUnbond{Gatekeeper: f.gk[rank[r]], Amount: a}))
				}
			}
			rot := startRotation(t, f)
			if got, want := members(rot), idsOf(f, rank, tc.want); !slices.Equal(got, want) {
				t.Fatalf("elected %v, want %v", got, want)
			}
		})
	}
}

// TestAbortedRotationReelectsByStake: with more candidates than seats, a
// rotation elects the three most bonded; when one of them stalls, the new
// round takes the next candidate by the same rule.
func TestAbortedRotationReelectsByStake(t *testing.T) {
	f := newBondFixture(t, 4, 0)
	rank := rankByID(f)
	for r, a := range []pha.Amount{{}, pha.Whole(10), pha.Whole(20), pha.Whole(30)} {
		if !a.IsZero() {
			mustOK(t, f.c.Deliver(op, &keys.MsgBond{Gatekeeper: f.gk[rank[r]], Amount: a}))
		}
	}
	rot := startRotation(t, f)
	if got, want := members(rot), idsOf(f, rank, []int{3, 2, 1}); !slices.Equal(got, want) {
		t.Fatalf("elected %v, want %v", got, want)
	}
	commit := func() []byte {
		w := wire.NewWriter(48)
		w.Uvarint(rot.Round)
		w.Raw(make([]byte, 32))
		return w.Bytes()
	}
	byID := map[[32]byte]ed25519.PrivateKey{}
	for _, k := range f.workers {
		byID[id(k)] = k
	}
	// The two most bonded commit; the third does not.
	for _, r := range []int{3, 2} {
		mustOK(t, f.c.PostMQ(op, byID[f.gk[rank[r]]], keys.TopicRotationCommit, commit()))
	}
	for f.c.Height <= rot.Deadline {
		f.c.Block()
	}
	s := state(t, f.c)
	if s.Running == nil || s.Running.Round != rot.Round+1 {
		t.Fatalf("no new round after the timeout: %+v", s.Running)
	}
	if got, want := members(s.Running), idsOf(f, rank, []int{3, 2, 0}); !slices.Equal(got, want) {
		t.Fatalf("round %d elected %v, want %v", s.Running.Round, got, want)
	}
}

// TestBondDeterminism runs one script of bonds, unbondings that mature in
// the same block for two gatekeepers of two operators, and a rotation on
// two separate apps: their AppHashes agree at every step.
func TestBondDeterminism(t *testing.T) {
	script := func() []string {
		c := apptest.New(t, []apptest.Account{authority, op, op2, stranger}, map[string]any{
			registry.Name: apptest.SimRegistry(),
			keys.Name:     keys.Genesis{Authority: authority.Addr, Params: &bondParams},
		})
		var hashes []string
		snap := func() { hashes = append(hashes, hex.EncodeToString(c.App.Store().Hash())) }
		var ws []ed25519.PrivateKey
		for i, o := range []apptest.Account{op, op2, op, op2} {
			ws = append(ws, registerWorker(t, c, o, byte(10+i)))
			mustOK(t, c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(ws[i])}))
			snap()
		}
		mustOK(t, c.Deliver(op, &keys.MsgBond{Gatekeeper: id(ws[0]), Amount: pha.Whole(40)}))
		mustOK(t, c.Deliver(op2, &keys.MsgBond{Gatekeeper: id(ws[1]), Amount: pha.Whole(40)}))
		mustOK(t, c.Deliver(op, &keys.MsgBond{Gatekeeper: id(ws[2]), Amount: pha.Whole(5)}))
		snap()
		// Unbondings of three gatekeepers in one block.
		res := c.Block(
			c.Tx(op2, &keys.MsgUnbond{Gatekeeper: id(ws[1]), Amount: pha.Whole(15)}),
			c.Tx(op, &keys.MsgUnbond{Gatekeeper: id(ws[0]), Amount: pha.Whole(1)}, &keys.MsgUnbond{Gatekeeper: id(ws[2]), Amount: pha.Whole(5)}),
		)
		for _, r := range res {
			mustOK(t, r)
		}
		for range bondParams.UnbondDelay {
			checkBondAccount(t, c)
			c.Block()
			snap()
		}
		if bal := balance(t, c, keys.BondAccount); bal != pha.Whole(64) {
			t.Fatalf("bond account holds %s after the releases, want 64PHA", bal.PHA())
		}
		master := ed25519.NewKeyFromSeed(make([]byte, 32))
		mustOK(t, c.PostMQ(op, ws[0], keys.TopicMasterPubKey, masterPayload(0, master.Public().(ed25519.PublicKey))))
		holdAll(t, c, master, ws...)
		mustOK(t, c.Deliver(authority, &keys.MsgRotate{}))
		snap()
		if got, want := members(state(t, c).Running), []string{hex.EncodeToString(ws[0].Public().(ed25519.PublicKey)), hex.EncodeToString(ws[1].Public().(ed25519.PublicKey))}; !slices.Equal(got[:2], want) {
			t.Fatalf("elected %v, want the two most bonded first: %v", got, want)
		}
		return hashes
	}
	a, b := script(), script()
	if !slices.Equal(a, b) {
		t.Fatalf("AppHashes differ between two runs of one script:\n%v\n%v", a, b)
	}
}

func TestUnbondDelayParam(t *testing.T) {
	for _, tc := range []struct {
		params *keys.Params
		want   int64
	}{
		{nil, keys.DefaultUnbondDelay},
		{&keys.Params{RotationTimeout: 30, MaxGatekeepers: 5}, keys.DefaultUnbondDelay},
		{&keys.Params{RotationTimeout: 30, MaxGatekeepers: 5, UnbondDelay: 3}, 3},
	} {
		c := apptest.New(t, []apptest.Account{authority}, map[string]any{keys.Name: keys.Genesis{Authority: authority.Addr, Params: tc.params}})
		c.Block()
		if got := state(t, c).Params.UnbondDelay; got != tc.want {
			t.Fatalf("params %+v: unbond_delay %d, want %d", tc.params, got, tc.want)
		}
	}
}

func TestBondMsgEncoding(t *testing.T) {
	reg := app.NewRegistry()
	for _, m := range []tx.Msg{
		&keys.MsgBond{Gatekeeper: [32]byte{1, 2, 3}, Amount: pha.Whole(5)},
		&keys.MsgUnbond{Gatekeeper: [32]byte{4}, Amount: pha.Units(1)},
	} {
		body := tx.EncodeMsg(m)
		if len(body) != 32+pha.Size {
			t.Fatalf("%s body is %d bytes, want 48", m.Type(), len(body))
		}
		got, err := reg.DecodeMsg(m.Type(), body)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(m) {
			t.Fatalf("%s: decoded %+v (%v), want %+v", m.Type(), got, err, m)
		}
		if _, err := reg.DecodeMsg(m.Type(), append(body, 0)); err == nil {
			t.Fatalf("%s: trailing byte accepted", m.Type())
		}
		if _, err := reg.DecodeMsg(m.Type(), body[:47]); err == nil {
			t.Fatalf("%s: short body accepted", m.Type())
		}
	}
}
