package cli

import (
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/phalanetwork/phala/client"
)

// newClient is a client of the node named by --node whose proven reads
// (agent keys, workers, clusters, contract keys, answer checks) verify
// from the trusted root kept in <home>/light/<chain id>.json: set by
// --trust-height and --trust-hash, or on first use from the node with a
// printed warning.
func (g *globals) newClient() (*client.Client, error) {
	c, err := client.New(g.node)
	if err != nil {
		return nil, err
	}
	c.LightDir = filepath.Join(g.home, "light")
	c.Trust.Warn = g.errOut
	if g.trustHeight != 0 || g.trustHash != "" {
		h, err := hex.DecodeString(g.trustHash)
		if err != nil || len(h) != 32 || g.trustHeight <= 0 {
			return nil, fmt.Errorf("--trust-height and --trust-hash go together: a height > 0 and a 64-hex-digit header hash")
		}
		c.Trust.TrustHeight, c.Trust.TrustHash = g.trustHeight, h
	}
	return c, nil
}
