package registry_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/modules/registry"
)

// FuzzParseWorkerID: worker ids come from query paths, CLI flags and JSON
// records; no string panics the parser or the JSON decoders, a refusal is
// ErrUnknownWorker, and an id that parses prints back as the input in
// lower case (hex is its only form).
func FuzzParseWorkerID(f *testing.F) {
	id := strings.Repeat("0a", 32)
	for _, s := range []string{id, strings.ToUpper(id), id[:63], id + "00", "", "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := registry.ParseWorkerID(s)
		var viaText registry.WorkerID
		terr := viaText.UnmarshalText([]byte(s))
		if (err == nil) != (terr == nil) || viaText != id {
			t.Fatalf("ParseWorkerID and UnmarshalText disagree on %q: %v, %v", s, err, terr)
		}
		var hb registry.HexBytes
		if herr := hb.UnmarshalText([]byte(s)); herr == nil && !strings.EqualFold(string(must(hb.MarshalText())), s) {
			t.Fatalf("hex bytes %q print back as %q", s, must(hb.MarshalText()))
		}
		if err != nil {
			if !errors.Is(err, registry.ErrUnknownWorker) {
				t.Fatalf("refusal is not ErrUnknownWorker: %v", err)
			}
			return
		}
		if id.String() != strings.ToLower(s) {
			t.Fatalf("worker id %q prints as %q", s, id)
		}
		var back registry.WorkerID
		if raw, _ := json.Marshal(id); json.Unmarshal(raw, &back) != nil || back != id {
			t.Fatalf("worker id %s does not round-trip through JSON", id)
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
