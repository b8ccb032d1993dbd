package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phalanetwork/phala/devnet"
)

// clientConfig is <home>/client.json: what the CLI uses for the flags a
// user does not give. phala devnet writes it for its home while it runs,
// so every command in that home reaches the devnet's node, gateway,
// cluster and test keyring without flags; a flag given always wins.
type clientConfig struct {
	ChainID        string `json:"chain_id,omitempty"`
	Node           string `json:"node,omitempty"`
	Gateway        string `json:"gateway,omitempty"`
	Cluster        string `json:"cluster,omitempty"`
	KeyringBackend string `json:"keyring_backend,omitempty"`
}

func clientConfigPath(home string) string { return filepath.Join(home, devnet.ClientConfigFile) }

// loadClientConfig reads home's client config; a home without one has
// the zero config.
func loadClientConfig(home string) (clientConfig, error) {
	var c clientConfig
	raw, err := os.ReadFile(clientConfigPath(home))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%s: %w (fix or delete it)", clientConfigPath(home), err)
	}
	return c, nil
}

// writeClientConfig writes home's client config.
func writeClientConfig(home string, c clientConfig) error {
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(clientConfigPath(home), append(raw, '\n'), 0o600)
}

// applyClientConfig gives the flags of cmd that the user left unset the
// values home's client config names.
func applyClientConfig(cmd *cobra.Command, home string) error {
	c, err := loadClientConfig(home)
	if err != nil {
		return err
	}
	for _, nv := range [][2]string{{"node", c.Node}, {"gateway", c.Gateway}, {"cluster", c.Cluster}, {"keyring-backend", c.KeyringBackend}} {
		if err := setDefault(cmd.Flags(), nv[0], nv[1]); err != nil {
			return fmt.Errorf("%s: %s: %w", clientConfigPath(home), nv[0], err)
		}
	}
	return nil
}

// setDefault sets the string flag name to v unless v is empty, the
// command has no such string flag, or the user gave it.
func setDefault(fs *pflag.FlagSet, name, v string) error {
	f := fs.Lookup(name)
	if v == "" || f == nil || f.Changed || f.Value.Type() != "string" {
		return nil
	}
	return f.Value.Set(v)
}
