// Package testnet writes the homes of a multi-validator network on one
// machine, wired together on loopback, the way `cometbft testnet` does.
package testnet

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
)

// Options describe the network to write.
type Options struct {
	Dir        string
	ChainID    string
	Validators int
	// StartingPort is node 0's p2p port; node i listens for p2p on
	// StartingPort+2i, for RPC on StartingPort+2i+1, and for /metrics and
	// health on StartingPort+2N+i.
	StartingPort int
	BlockTime    time.Duration
	// Accounts are funded and kept in node0's test keyring.
	Accounts     []string
	AccountFunds pha.Amount
}

// Home describes one written node.
type Home struct {
	Dir     string
	Moniker string
	NodeID  string
	P2PPort int
	RPCPort int
	OpsPort int
}

// RPCURL is the node's RPC endpoint.
func (h Home) RPCURL() string { return fmt.Sprintf("http://127.0.0.1:%d", h.RPCPort) }

// Generate writes the homes and returns them in order.
func Generate(o Options) ([]Home, error) {
	if o.Validators < 1 {
		return nil, fmt.Errorf("testnet: need at least one validator, got %d", o.Validators)
	}
	if o.StartingPort < 1 || o.StartingPort+3*o.Validators > 65535 {
		return nil, fmt.Errorf("testnet: starting port %d does not leave room for %d validators", o.StartingPort, o.Validators)
	}
	if o.BlockTime == 0 {
		o.BlockTime = time.Second
	}
	homes := make([]Home, o.Validators)
	cfgs := make([]*cmtcfg.Config, o.Validators)
	var vals []node.GenesisValidator
	for i := range homes {
		h := Home{
			Dir:     filepath.Join(o.Dir, fmt.Sprintf("node%d", i)),
			Moniker: fmt.Sprintf("node%d", i),
			P2PPort: o.StartingPort + 2*i,
			RPCPort: o.StartingPort + 2*i + 1,
			OpsPort: o.StartingPort + 2*o.Validators + i,
		}
		c := node.DefaultConfig()
		c.Moniker = h.Moniker
		c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", h.P2PPort)
		c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", h.RPCPort)
		c.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", h.OpsPort)
		c.Consensus.TimeoutCommit = o.BlockTime
		pub, err := node.InitFiles(h.Dir, c)
		if err != nil {
			return nil, err
		}
		id, err := node.NodeID(c)
		if err != nil {
			return nil, err
		}
		h.NodeID = string(id)
		homes[i], cfgs[i] = h, c
		vals = append(vals, node.GenesisValidator{Name: h.Moniker, PubKey: pub, Power: 10})
	}
	kr, err := keyring.Open(homes[0].Dir, keyring.BackendTest, nil)
	if err != nil {
		return nil, err
	}
	var accts []node.GenesisAccount
	for _, name := range o.Accounts {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		info, err := kr.AddPrivKey(name, priv)
		if err != nil {
			return nil, err
		}
		accts = append(accts, node.GenesisAccount{Name: name, Address: info.Address})
	}
	doc, err := node.NewGenesis(o.ChainID, vals, accts, o.AccountFunds, app.DefaultParams())
	if err != nil {
		return nil, err
	}
	for i, h := range homes {
		var peers []string
		for j, p := range homes {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", p.NodeID, p.P2PPort))
			}
		}
		cfgs[i].P2P.PersistentPeers = strings.Join(peers, ",")
		if err := node.WriteConfig(h.Dir, cfgs[i]); err != nil {
			return nil, err
		}
		if err := doc.SaveAs(filepath.Join(h.Dir, "config", "genesis.json")); err != nil {
			return nil, fmt.Errorf("write genesis of %s: %w", h.Moniker, err)
		}
	}
	return homes, nil
}
