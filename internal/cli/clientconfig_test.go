package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestClientConfigFillsUnsetFlags: a home's client.json gives the flags a
// user left unset, and a flag given on the command line always wins.
func TestClientConfigFillsUnsetFlags(t *testing.T) {
	home := t.TempDir()
	if err := writeClientConfig(home, clientConfig{Node: "http://127.0.0.1:1111", Gateway: "http://127.0.0.1:2222", Cluster: "ab", KeyringBackend: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string
	}{
		{"all from the config", nil, map[string]string{"node": "http://127.0.0.1:1111", "gateway": "http://127.0.0.1:2222", "cluster": "ab", "keyring-backend": "test"}},
		{"flags win", []string{"--node", "http://n", "--cluster", "cd"}, map[string]string{"node": "http://n", "gateway": "http://127.0.0.1:2222", "cluster": "cd", "keyring-backend": "test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			fs := cmd.Flags()
			fs.String("node", defaultNode, "")
			fs.String("gateway", defaultGateway, "")
			fs.String("cluster", "", "")
			fs.String("keyring-backend", "file", "")
			fs.Bool("reset", false, "") // not a string flag: left alone
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if err := applyClientConfig(cmd, home); err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if got := fs.Lookup(name).Value.String(); got != want {
					t.Errorf("--%s = %q, want %q", name, got, want)
				}
			}
		})
	}
	// A home without a config changes nothing; a broken one names its file.
	if c, err := loadClientConfig(t.TempDir()); err != nil || c != (clientConfig{}) {
		t.Fatalf("no config: %+v %v", c, err)
	}
}
