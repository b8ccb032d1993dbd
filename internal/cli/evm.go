package cli

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
)

// printEVM adds the devnet's EVM dev chain, if it runs one, to the banner:
// its JSON-RPC endpoint, chain id and funded dev accounts with their keys
// (dev keys only: they are also in <home>/evm/accounts.json).
func printEVM(w io.Writer, d *devnet.Devnet) {
	if d.EVM == nil {
		return
	}
	fmt.Fprintf(w, "  evm rpc:   %s (chain id %d, go-ethereum dev chain, a block a second)\n", d.EVM.RPCURL, devchain.ChainID)
	fmt.Fprintf(w, "  evm accounts (1,000,000 ETH each; DEV KEYS, public):\n")
	for _, a := range d.EVM.Accounts {
		fmt.Fprintf(w, "    %-9s %s  %s\n", a.Name, a.Address.Hex(), hexutil.Encode(crypto.FromECDSA(a.Key)))
	}
}

// evmFlags are the flags every phala evm command shares.
type evmFlags struct {
	rpc, key, anchor string
}

func newEVMCmd(g *globals) *cobra.Command {
	var f evmFlags
	cmd := &cobra.Command{
		Use:   "evm",
		Short: "EVM contracts that call agents through a PhalaAnchor (docs/evm.md)",
		Long: `Deploy the example consumer (PriceOracle, a PhalaAnchor) trusting the
network's master EVM key, bridge an agent to EVM requests, ask it and read the
anchor's state. By default the commands use the dev chain of a running
"phala devnet --evm" (its JSON-RPC URL and dev accounts in <home>/evm) and the
anchor deploy-anchor deployed last.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.rpc, "evm-rpc", "", "EVM JSON-RPC URL (default: the devnet's, from <home>/evm/rpc_url)")
	pf.StringVar(&f.key, "evm-key", "", "the EVM account: a devnet dev account name or a file with a hex secp256k1 key (default per command)")
	pf.StringVar(&f.anchor, "anchor", "", "anchor address (default: the one deploy-anchor recorded in <home>/evm/anchor)")
	cmd.AddCommand(newEVMDeployCmd(g, &f), newEVMBridgeCmd(g, &f), newEVMStatusCmd(g, &f), newEVMRequestCmd(g, &f))
	return cmd
}

// evmConn is a connection to the EVM chain with its chain id.
type evmConn struct {
	ec      *ethclient.Client
	chainID *big.Int
}

func (g *globals) evmDir() string { return filepath.Join(g.home, "evm") }

// dialEVM connects to --evm-rpc or the devnet's dev chain.
func (g *globals) dialEVM(ctx context.Context, f *evmFlags) (*evmConn, error) {
	url := f.rpc
	if url == "" {
		b, err := os.ReadFile(filepath.Join(g.evmDir(), devnet.EVMRPCFile))
		if err != nil {
			return nil, fmt.Errorf("no --evm-rpc and no devnet EVM chain in %s (run phala devnet --evm): %w", g.evmDir(), err)
		}
		url = strings.TrimSpace(string(b))
	}
	ec, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("evm rpc %s: %w", url, err)
	}
	id, err := ec.ChainID(ctx)
	if err != nil {
		ec.Close()
		return nil, fmt.Errorf("evm rpc %s: chain id: %w", url, err)
	}
	return &evmConn{ec: ec, chainID: id}, nil
}

// evmSigner is the transactor of --evm-key, or of the dev account def.
func (g *globals) evmSigner(ctx context.Context, f *evmFlags, c *evmConn, def string) (*bind.TransactOpts, error) {
	name := cmp.Or(f.key, def)
	var key *ecdsa.PrivateKey
	if b, err := os.ReadFile(name); err == nil {
		if key, err = crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x")); err != nil {
			return nil, fmt.Errorf("--evm-key %s: %w", name, err)
		}
	} else {
		var accts map[string]string
		raw, err := os.ReadFile(filepath.Join(g.evmDir(), "accounts.json"))
		if err == nil {
			err = json.Unmarshal(raw, &accts)
		}
		if err != nil || accts[name] == "" {
			return nil, fmt.Errorf("--evm-key %q: neither a key file nor a dev account in %s (%v)", name, g.evmDir(), err)
		}
		if key, err = crypto.HexToECDSA(accts[name]); err != nil {
			return nil, fmt.Errorf("dev account %s: %w", name, err)
		}
	}
	o, err := bind.NewKeyedTransactorWithChainID(key, c.chainID)
	if err != nil {
		return nil, err
	}
	o.Context = ctx
	return o, nil
}

// openAnchor connects to the EVM chain and binds the anchor; the caller
// closes conn.ec.
func (g *globals) openAnchor(ctx context.Context, f *evmFlags) (*evmConn, common.Address, *bindings.PriceOracle, error) {
	conn, err := g.dialEVM(ctx, f)
	if err != nil {
		return nil, common.Address{}, nil, err
	}
	addr, a, err := g.evmAnchor(f, conn)
	if err != nil {
		conn.ec.Close()
		return nil, common.Address{}, nil, err
	}
	return conn, addr, a, nil
}

// evmAnchor is the --anchor or recorded anchor's binding.
func (g *globals) evmAnchor(f *evmFlags, c *evmConn) (common.Address, *bindings.PriceOracle, error) {
	a := f.anchor
	if a == "" {
		b, err := os.ReadFile(filepath.Join(g.evmDir(), devnet.EVMAnchorFile))
		if err != nil {
			return common.Address{}, nil, fmt.Errorf("no --anchor and none recorded (phala evm deploy-anchor): %w", err)
		}
		a = strings.TrimSpace(string(b))
	}
	if !common.IsHexAddress(a) {
		return common.Address{}, nil, fmt.Errorf("--anchor %q is not an address", a)
	}
	addr := common.HexToAddress(a)
	o, err := bindings.NewPriceOracle(addr, c.ec)
	return addr, o, err
}

// evmMined waits for tx and names the anchor's refusal if it reverted.
func evmMined(ctx context.Context, c *evmConn, what string, tx *types.Transaction, err error) (*types.Receipt, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, bindings.Explain(err))
	}
	r, err := bind.WaitMined(ctx, c.ec, tx)
	if err != nil {
		return nil, fmt.Errorf("%s: wait for %s: %w", what, tx.Hash().Hex(), err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return r, fmt.Errorf("%s: transaction %s reverted", what, tx.Hash().Hex())
	}
	return r, nil
}
