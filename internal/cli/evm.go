package cli

import (
	"fmt"
	"io"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/phalanetwork/phala/devnet"
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
