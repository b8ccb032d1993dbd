package module

import (
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmttypes "github.com/cometbft/cometbft/types"
)

// GenesisOfDoc is what a genesis document defines, as GenesisHash covers
// it; workers hash their copy of genesis.json with it.
func GenesisOfDoc(doc *cmttypes.GenesisDoc) ChainGenesis {
	g := ChainGenesis{ChainID: doc.ChainID, InitialHeight: doc.InitialHeight, AppState: doc.AppState}
	for _, v := range doc.Validators {
		gv := GenesisValidator{Power: v.Power}
		if v.PubKey != nil {
			gv.KeyType, gv.PubKey = v.PubKey.Type(), v.PubKey.Bytes()
		}
		g.Validators = append(g.Validators, gv)
	}
	return g
}

// GenesisOfInitChain is what CometBFT's InitChain request says the chain
// starts from, as GenesisHash covers it; the app hashes it.
func GenesisOfInitChain(req *abci.RequestInitChain) (ChainGenesis, error) {
	g := ChainGenesis{ChainID: req.ChainId, InitialHeight: req.InitialHeight, AppState: req.AppStateBytes}
	for i, v := range req.Validators {
		pk, err := cryptoenc.PubKeyFromProto(v.PubKey)
		if err != nil {
			return g, fmt.Errorf("genesis validator %d: %w", i, err)
		}
		g.Validators = append(g.Validators, GenesisValidator{KeyType: pk.Type(), PubKey: pk.Bytes(), Power: v.Power})
	}
	return g, nil
}
