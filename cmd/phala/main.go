// Command phala is the single binary of the phala network: validator node,
// devnet, CLI client and (in later parts) worker and gateway.
package main

import (
	"os"

	"github.com/phalanetwork/phala/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
