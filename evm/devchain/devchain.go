// Package devchain runs an in-process go-ethereum development chain: the
// simulated beacon that `geth --dev` uses seals a block every period, the
// JSON-RPC answers over HTTP on loopback, and a few dev accounts are funded
// at genesis with their keys kept in the chain's directory.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// ChainID is the dev chain's EIP-155 chain id (geth --dev's).
const ChainID = 1337

// AccountNames are the dev accounts funded at genesis, in order.
var AccountNames = []string{"deployer", "relayer", "requester", "relayer2"}

// AccountFunds is what each dev account holds at genesis (1,000,000 ETH).
var AccountFunds = new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether))

// accountsFile holds the dev accounts' private keys in the chain directory.
const accountsFile = "accounts.json"

// Options configure a dev chain.
type Options struct {
	// Dir keeps the dev accounts' keys ("" keeps nothing: fresh keys each
	// start). The chain itself is in memory: a restarted dev chain starts
	// again from genesis with the same accounts.
	Dir string
	// Addr is the JSON-RPC listen address (default "127.0.0.1:0", a free
	// port).
	Addr string
	// Period is the pause between blocks (default 1 s).
	Period time.Duration
	Logger *slog.Logger
}

// Account is a funded dev account.
type Account struct {
	Name    string
	Address common.Address
	Key     *ecdsa.PrivateKey
}

// Chain is a running dev chain.
type Chain struct {
	// RPCURL is the HTTP JSON-RPC endpoint.
	RPCURL   string
	Accounts []Account
	stack    *node.Node
	beacon   *catalyst.SimulatedBeacon
}

// Start starts the dev chain and returns once its RPC answers.
func Start(ctx context.Context, o Options) (*Chain, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Period <= 0 {
		o.Period = time.Second
	}
	accts, err := loadAccounts(o.Dir)
	if err != nil {
		return nil, err
	}
	host, port, err := listenAddr(o.Addr)
	if err != nil {
		return nil, err
	}
	nodeConf := node.DefaultConfig
	nodeConf.DataDir = ""
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	nodeConf.HTTPHost, nodeConf.HTTPPort = host, port
	nodeConf.HTTPModules = []string{"eth", "net", "web3"}
	nodeConf.HTTPVirtualHosts = []string{"*"}
	nodeConf.WSHost = ""
	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("devchain: new node: %w", err)
	}
	c, err := startEth(stack, genesis(accts), o.Period)
	if err != nil {
		stack.Close()
		return nil, err
	}
	c.Accounts = accts
	c.RPCURL = stack.HTTPEndpoint()
	if o.Logger != nil {
		o.Logger.Info("evm dev chain started", "rpc", c.RPCURL, "chain_id", ChainID, "period", o.Period)
	}
	return c, nil
}

// startEth registers the eth service and filters on stack, starts it and
// the simulated beacon that seals a block every period.
func startEth(stack *node.Node, g *core.Genesis, period time.Duration) (*Chain, error) {
	ethConf := ethconfig.Defaults
	ethConf.Genesis = g
	ethConf.NetworkId = ChainID
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.Miner.GasPrice = big.NewInt(1)
	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		return nil, fmt.Errorf("devchain: eth service: %w", err)
	}
	fs := filters.NewFilterSystem(backend.APIBackend, filters.Config{})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(fs)}})
	if err := stack.Start(); err != nil {
		return nil, fmt.Errorf("devchain: start node: %w", err)
	}
	secs := uint64(max(period/time.Second, 1))
	beacon, err := catalyst.NewSimulatedBeacon(secs, common.Address{}, backend)
	if err != nil {
		return nil, fmt.Errorf("devchain: simulated beacon: %w", err)
	}
	if err := beacon.Start(); err != nil {
		return nil, fmt.Errorf("devchain: start beacon: %w", err)
	}
	return &Chain{stack: stack, beacon: beacon}, nil
}

// genesis is geth --dev's genesis with the dev accounts funded.
func genesis(accts []Account) *core.Genesis {
	g := core.DeveloperGenesisBlock(ethconfig.Defaults.Miner.GasCeil, &accts[0].Address)
	cfg := *g.Config
	cfg.ChainID = big.NewInt(ChainID)
	g.Config = &cfg
	for k, v := range core.SystemContractAllocs() {
		g.Alloc[k] = v
	}
	for _, a := range accts {
		g.Alloc[a.Address] = types.Account{Balance: AccountFunds}
	}
	return g
}

// Stop stops the beacon and the node.
func (c *Chain) Stop() error {
	return errors.Join(c.beacon.Stop(), c.stack.Close())
}

// Account returns the dev account called name.
func (c *Chain) Account(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

func listenAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devchain: listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("devchain: listen port %q: %w", p, err)
	}
	if port == 0 {
		// geth's HTTP server reports the bound port only through
		// HTTPEndpoint after start, and takes 0 literally; pick one.
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", 0, fmt.Errorf("devchain: pick a port: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return host, port, nil
}

// loadAccounts reads the dev accounts' keys from dir, creating them on
// first use.
func loadAccounts(dir string) ([]Account, error) {
	path := filepath.Join(dir, accountsFile)
	hexKeys := map[string]string{}
	if dir != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &hexKeys); err != nil {
				return nil, fmt.Errorf("devchain: read %s: %w", path, err)
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("devchain: read accounts: %w", err)
		}
	}
	var out []Account
	changed := false
	for _, name := range AccountNames {
		var key *ecdsa.PrivateKey
		var err error
		if h, ok := hexKeys[name]; ok {
			key, err = crypto.HexToECDSA(h)
		} else {
			key, err = crypto.GenerateKey()
			hexKeys[name], changed = hex.EncodeToString(crypto.FromECDSA(key)), true
		}
		if err != nil {
			return nil, fmt.Errorf("devchain: account %s: %w", name, err)
		}
		out = append(out, Account{Name: name, Address: crypto.PubkeyToAddress(key.PublicKey), Key: key})
	}
	if dir != "" && changed {
		if err := writeAccounts(dir, path, hexKeys); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func writeAccounts(dir, path string, hexKeys map[string]string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("devchain: make %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(hexKeys, "", "  ")
	if err != nil {
		return fmt.Errorf("devchain: encode accounts: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("devchain: write accounts: %w", err)
	}
	return nil
}
