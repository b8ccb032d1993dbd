package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeKeepVersions: a --keep-versions below the minimum is refused
// before the node starts, and a node home is required first.
func TestNodeKeepVersions(t *testing.T) {
	home := filepath.Join(t.TempDir(), "node")
	if _, _, err := runCLI(t, "", "node", "--home", home, "--keep-versions", "500"); err == nil || !strings.Contains(err.Error(), "run 'phala init") {
		t.Fatalf("node without a home: %v", err)
	}
	mustRun(t, "", "init", "--home", home, "--keyring-backend", "test")
	if _, _, err := runCLI(t, "", "node", "--home", home, "--keep-versions", "5"); err == nil || !strings.Contains(err.Error(), "at least 100") {
		t.Fatalf("node --keep-versions 5: %v", err)
	}
}
