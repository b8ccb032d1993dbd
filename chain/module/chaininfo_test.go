package module_test

import (
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/module"
)

// testDoc is a genesis document with two validators.
func testDoc(t *testing.T) (*cmttypes.GenesisDoc, []ed25519.PrivKey) {
	t.Helper()
	keys := []ed25519.PrivKey{ed25519.GenPrivKey(), ed25519.GenPrivKey()}
	doc := &cmttypes.GenesisDoc{ChainID: "c", GenesisTime: time.Unix(1, 0).UTC(), InitialHeight: 1,
		AppState: json.RawMessage(`{"a": [1, 2],
  "b": "x y"}`)}
	for i, k := range keys {
		doc.Validators = append(doc.Validators, cmttypes.GenesisValidator{PubKey: k.PubKey(), Power: int64(10 + i)})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	return doc, keys
}

// initChainOf is the InitChain request CometBFT makes from doc.
func initChainOf(t *testing.T, doc *cmttypes.GenesisDoc) *abci.RequestInitChain {
	t.Helper()
	req := &abci.RequestInitChain{ChainId: doc.ChainID, InitialHeight: doc.InitialHeight, AppStateBytes: doc.AppState}
	for _, v := range doc.Validators {
		pk, err := cryptoenc.PubKeyToProto(v.PubKey)
		if err != nil {
			t.Fatal(err)
		}
		req.Validators = append(req.Validators, abci.ValidatorUpdate{PubKey: pk, Power: v.Power})
	}
	return req
}

// TestGenesisHashAppAndWorkerAgree: the hash the app computes in InitChain
// equals the one a worker computes from its genesis file, also when the
// file lists the validators in another order or is re-indented.
func TestGenesisHashAppAndWorkerAgree(t *testing.T) {
	doc, _ := testDoc(t)
	app, err := module.GenesisOfInitChain(initChainOf(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	want := module.GenesisHash(app)
	reordered := *doc
	reordered.Validators = []cmttypes.GenesisValidator{doc.Validators[1], doc.Validators[0]}
	reordered.AppState = json.RawMessage(`{"a":[1,2],"b":"x y"}`)
	zeroHeight := *doc
	zeroHeight.InitialHeight = 0 // CometBFT reads 0 as 1
	for name, d := range map[string]*cmttypes.GenesisDoc{"as is": doc, "reordered, compact": &reordered, "height 0": &zeroHeight} {
		if got := module.GenesisHash(module.GenesisOfDoc(d)); got != want {
			t.Errorf("%s: worker hash %x, app hash %x", name, got, want)
		}
	}
}

// TestGenesisHashCoversTheChain: changing any part that defines the chain
// (chain id, initial height, a validator's key or power, the app_state's
// content) changes the hash.
func TestGenesisHashCoversTheChain(t *testing.T) {
	doc, _ := testDoc(t)
	base := module.GenesisOfDoc(doc)
	want := module.GenesisHash(base)
	attacker := ed25519.GenPrivKey().PubKey()
	for name, change := range map[string]func(g *module.ChainGenesis){
		"chain id":        func(g *module.ChainGenesis) { g.ChainID = "d" },
		"initial height":  func(g *module.ChainGenesis) { g.InitialHeight = 2 },
		"validator key":   func(g *module.ChainGenesis) { g.Validators[0].PubKey = attacker.Bytes() },
		"validator power": func(g *module.ChainGenesis) { g.Validators[1].Power++ },
		"validator added": func(g *module.ChainGenesis) {
			g.Validators = append(g.Validators, module.GenesisValidator{KeyType: attacker.Type(), PubKey: attacker.Bytes(), Power: 1})
		},
		"validator dropped": func(g *module.ChainGenesis) { g.Validators = g.Validators[:1] },
		"app_state":         func(g *module.ChainGenesis) { g.AppState = []byte(`{"a":[1,2],"b":"x  y"}`) },
	} {
		g := base
		g.Validators = append([]module.GenesisValidator(nil), base.Validators...)
		change(&g)
		if module.GenesisHash(g) == want {
			t.Errorf("changing the %s leaves the genesis hash as it was", name)
		}
	}
}
