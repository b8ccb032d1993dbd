package cli

import (
	"strings"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelp: every command says what it does, and every
// command that runs something shows an example.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		if c.Short == "" {
			t.Errorf("%q has no short help", c.CommandPath())
		}
		if c.Runnable() && c.Example == "" {
			t.Errorf("%q has no example", c.CommandPath())
		}
		// Every complete address shown in an example must be valid.
		for _, word := range strings.Fields(c.Example) {
			if strings.HasPrefix(word, "pha1") && !strings.Contains(word, "...") {
				if _, err := address.Parse(word); err != nil {
					t.Errorf("%q example: %v", c.CommandPath(), err)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd())
}
