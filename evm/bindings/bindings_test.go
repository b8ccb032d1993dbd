package bindings_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/evm/bindings"
)

// TestBindingsMatchArtifacts: the generated bindings carry the committed
// ABI and bytecode (go generate ./evm/bindings after a recompile).
func TestBindingsMatchArtifacts(t *testing.T) {
	bin, err := os.ReadFile("../contracts/build/PriceOracle.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bindings.PriceOracleMetaData.Bin, "0x"+strings.TrimSpace(string(bin)); got != want {
		t.Fatal("bindings' bytecode differs from evm/contracts/build/PriceOracle.bin: run go generate ./evm/bindings")
	}
	rawABI, err := os.ReadFile("../contracts/build/PriceOracle.abi")
	if err != nil {
		t.Fatal(err)
	}
	// abigen stores the ABI with every space removed, inside strings too
	// ("enum PhalaAnchor.Status" becomes "enumPhalaAnchor.Status").
	var want, got any
	if err := json.Unmarshal([]byte(strings.Join(strings.Fields(string(rawABI)), "")), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(bindings.PriceOracleMetaData.ABI), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("bindings' ABI differs from evm/contracts/build/PriceOracle.abi: run go generate ./evm/bindings")
	}
}
