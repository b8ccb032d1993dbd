package registry_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee/teefake"
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

// FuzzParseTestRoots: a test network's genesis lists fake TEE roots as
// JSON; no list panics ParseTestRoots, a refusal is ErrBadGenesis naming
// the entry, and roots that parse go back to the same genesis form.
func FuzzParseTestRoots(f *testing.F) {
	roots, err := teefake.Roots()
	if err != nil {
		f.Fatal(err)
	}
	good, err := json.Marshal(registry.TestRootsOf(roots))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(good), string(good[:len(good)/2]), `[{"tee":"tdx","cert":"0102"}]`, `[{"tee":"sim","cert":""}]`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in []registry.TestRoot
		if json.Unmarshal(b, &in) != nil {
			return
		}
		out, err := registry.ParseTestRoots(in)
		if err != nil {
			if !errors.Is(err, registry.ErrBadGenesis) || !strings.Contains(err.Error(), "tee_test_roots[") {
				t.Fatalf("refusal is not ErrBadGenesis naming the entry: %v", err)
			}
			return
		}
		if len(out.Intel)+len(out.AMD) != len(in) {
			t.Fatalf("%d roots parsed as %d", len(in), len(out.Intel)+len(out.AMD))
		}
		back, err := registry.ParseTestRoots(registry.TestRootsOf(out))
		if err != nil || len(back.Intel) != len(out.Intel) || len(back.AMD) != len(out.AMD) {
			t.Fatalf("parsed roots do not round-trip: %v", err)
		}
	})
}
