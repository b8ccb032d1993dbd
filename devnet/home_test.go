package devnet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevnetRefusesAnotherChainsHome: a devnet (and its --reset) never
// touches a home that holds a real node's chain.
func TestDevnetRefusesAnotherChainsHome(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "config"), 0o700)
	genesis := filepath.Join(home, "config", "genesis.json")
	if err := os.WriteFile(genesis, []byte(`{"chain_id": "phala-mainnet", "genesis_time": "2026-01-01T00:00:00Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{Home: home, Reset: true, Workers: -1})
	if err == nil || !strings.Contains(err.Error(), `holds chain "phala-mainnet", not a devnet`) {
		t.Fatalf("Start in a mainnet home: %v", err)
	}
	if _, err := os.Stat(genesis); err != nil {
		t.Fatalf("--reset removed the other chain's files: %v", err)
	}
}
