package module

import "testing"

func TestGenesisHashIgnoresWhitespace(t *testing.T) {
	a := GenesisHash("c", []byte(`{"a": [1, 2],
  "b": "x y"}`))
	b := GenesisHash("c", []byte(`{"a":[1,2],"b":"x y"}`))
	if a != b {
		t.Fatal("re-indented app_state hashes differently")
	}
	if a == GenesisHash("d", []byte(`{"a":[1,2],"b":"x y"}`)) || a == GenesisHash("c", []byte(`{"a":[1,2],"b":"x  y"}`)) {
		t.Fatal("hash ignores the chain id or string content")
	}
}
