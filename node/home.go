// Package node runs a validator: CometBFT consensus, p2p, mempool, block
// store and RPC in-process, with the phala app behind a local ABCI client.
// It also lays out and initialises a node's home directory.
package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// Config returns the CometBFT config of the node at home, with our defaults
// applied and config.toml (if present) read over them.
func Config(home string) (*cmtcfg.Config, error) {
	c := DefaultConfig()
	c.SetRoot(home)
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err == nil {
		if err := loadTOML(path, c); err != nil {
			return nil, err
		}
		c.SetRoot(home)
	}
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// DefaultConfig is CometBFT's default with phala's choices: one-second
// blocks, loopback listeners, a kv tx index and a mempool sized for bursts.
func DefaultConfig() *cmtcfg.Config {
	c := cmtcfg.DefaultConfig()
	c.Consensus.TimeoutCommit = time.Second
	c.Consensus.TimeoutPropose = 2 * time.Second
	c.RPC.ListenAddress = "tcp://127.0.0.1:26657"
	c.P2P.ListenAddress = "tcp://127.0.0.1:26656"
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.Mempool.Size = 20_000
	c.Mempool.CacheSize = 100_000
	c.RPC.MaxBodyBytes = 8 << 20
	c.TxIndex.Indexer = "kv"
	// phala's own ops server (metrics, health) listens here; CometBFT's
	// Prometheus exporter stays off.
	c.Instrumentation.PrometheusListenAddr = "127.0.0.1:26660"
	return c
}

// IsInitialized reports whether home holds a genesis file.
func IsInitialized(home string) bool {
	_, err := os.Stat(filepath.Join(home, "config", "genesis.json"))
	return err == nil
}

// InitFiles creates the config, node key and validator key of a home, and
// returns the validator's public key. Existing keys are kept.
func InitFiles(home string, c *cmtcfg.Config) (cmted25519.PubKey, error) {
	c.SetRoot(home)
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			return nil, fmt.Errorf("init %s: %w", home, err)
		}
	}
	if _, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile()); err != nil {
		return nil, fmt.Errorf("init node key: %w", err)
	}
	pv := privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	if err := writeTOML(filepath.Join(home, "config", "config.toml"), c); err != nil {
		return nil, err
	}
	pub, ok := pv.Key.PubKey.(cmted25519.PubKey)
	if !ok {
		return nil, fmt.Errorf("init: validator key is %s, want ed25519", pv.Key.PubKey.Type())
	}
	return pub, nil
}

// NodeID returns the p2p node ID of the home's node key.
func NodeID(c *cmtcfg.Config) (p2p.ID, error) {
	nk, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return "", fmt.Errorf("load node key: %w", err)
	}
	return nk.ID(), nil
}

// GenesisValidator is one validator of a new chain.
type GenesisValidator struct {
	Name   string
	PubKey cmted25519.PubKey
	Power  int64
}

// GenesisAccount is a funded account of a new chain.
type GenesisAccount struct {
	Name    string
	Address address.Address
}

// GenesisSection is a module's genesis section beyond balances.
type GenesisSection struct {
	Module string
	Value  any
}

// NewGenesis builds the genesis document of a new chain: the validators,
// the app's params, an allocation of perAccount to each account (the rest
// of the supply goes to the subsidy pool and the treasury) and any other
// module sections.
func NewGenesis(chainID string, vals []GenesisValidator, accounts []GenesisAccount, perAccount pha.Amount, params app.Params, sections ...GenesisSection) (*cmttypes.GenesisDoc, error) {
	byName := map[string]address.Address{}
	names := make([]string, 0, len(accounts))
	for _, a := range accounts {
		byName[a.Name] = a.Address
		names = append(names, a.Name)
	}
	bal, err := balances.DefaultGenesis(byName, names, perAccount)
	if err != nil {
		return nil, err
	}
	all := map[string]any{balances.Name: bal}
	for _, sec := range sections {
		all[sec.Module] = sec.Value
	}
	gs, err := app.NewGenesisState(params, all)
	if err != nil {
		return nil, err
	}
	appState, err := json.MarshalIndent(gs, "", "  ")
	if err != nil {
		return nil, err
	}
	doc := &cmttypes.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     time.Now().UTC().Truncate(time.Second),
		InitialHeight:   1,
		ConsensusParams: cmttypes.DefaultConsensusParams(),
		AppState:        appState,
	}
	doc.ConsensusParams.ABCI.VoteExtensionsEnableHeight = 0
	doc.ConsensusParams.Version.App = app.AppProtocolVersion
	for _, v := range vals {
		doc.Validators = append(doc.Validators, cmttypes.GenesisValidator{
			Address: v.PubKey.Address(), PubKey: v.PubKey, Power: v.Power, Name: v.Name,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	return doc, nil
}

// WriteConfig rewrites <home>/config/config.toml from c.
func WriteConfig(home string, c *cmtcfg.Config) error {
	return writeTOML(filepath.Join(home, "config", "config.toml"), c)
}
