package node

import (
	"fmt"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"
)

// writeTOML writes c as CometBFT's config.toml, so operators edit the file
// format they already know.
func writeTOML(path string, c *cmtcfg.Config) error {
	cmtcfg.WriteConfigFile(path, c)
	return nil
}

// loadTOML reads config.toml over c, the way CometBFT's own commands do.
func loadTOML(path string, c *cmtcfg.Config) error {
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := v.Unmarshal(c); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}
