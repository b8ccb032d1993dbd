package module

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
)

type testParams struct {
	N int `json:"n"`
}

func (p testParams) Validate() error {
	if p.N < 0 {
		return errors.New("negative")
	}
	return nil
}

func defParams() testParams { return testParams{N: 7} }

func TestInitParams(t *testing.T) {
	errBad := errors.New("bad genesis")
	for _, tc := range []struct {
		raw     string
		want    int
		wantErr error
	}{
		{raw: "", want: 7},
		{raw: "null", want: 7},
		{raw: `{}`, want: 7},
		{raw: `{"params":{"n":3}}`, want: 3},
		{raw: `{"params":{"n":-1}}`, wantErr: errors.New("negative")},
		{raw: `[1]`, wantErr: errBad},
	} {
		var stored *testParams
		err := InitParams(nil, json.RawMessage(tc.raw), defParams, errBad, func(_ state.KV, p testParams) { stored = &p })
		switch {
		case tc.wantErr == errBad && !errors.Is(err, errBad),
			tc.wantErr != nil && tc.wantErr != errBad && (err == nil || err.Error() != tc.wantErr.Error()):
			t.Errorf("%q: err %v, want %v", tc.raw, err, tc.wantErr)
		case tc.wantErr == nil && (err != nil || stored == nil || stored.N != tc.want):
			t.Errorf("%q: stored %v (err %v), want n=%d", tc.raw, stored, err, tc.want)
		}
	}
}

func TestLookupID(t *testing.T) {
	errNone := errors.New("unknown pool")
	get := func(_ state.KV, id uint64) (string, bool) { return "pool one", id == 1 }
	if v, err := LookupID(nil, "1", "pool", errNone, get); err != nil || v != "pool one" {
		t.Fatalf("1: %q %v", v, err)
	}
	if _, err := LookupID(nil, "2", "pool", errNone, get); !errors.Is(err, errNone) || err.Error() != "unknown pool: 2" {
		t.Fatalf("2: %v", err)
	}
	if _, err := LookupID(nil, "x", "pool", errNone, get); !errors.Is(err, errNone) || err.Error() != `unknown pool: pool id "x"` {
		t.Fatalf("x: %v", err)
	}
}

func TestLookupHash(t *testing.T) {
	errNone := errors.New("unknown agent")
	one := strings.Repeat("01", 32)
	get := func(id [32]byte) (string, bool) { return "agent one", id[0] == 1 }
	for _, c := range []struct {
		arg, want, err string
		is             error
	}{
		{arg: one, want: "agent one"},
		{arg: strings.Repeat("02", 32), err: "unknown agent: " + strings.Repeat("02", 32), is: errNone},
		{arg: "xyz", err: "not found: agent id must be 64 hex characters", is: tx.ErrNotFound},
		{arg: "0101", err: "not found: agent id must be 64 hex characters", is: tx.ErrNotFound},
	} {
		v, err := LookupHash(c.arg, "agent id", errNone, get)
		if c.is == nil && (err != nil || v != c.want) {
			t.Fatalf("%s: %q %v", c.arg, v, err)
		}
		if c.is != nil && (!errors.Is(err, c.is) || err.Error() != c.err) {
			t.Fatalf("%s: %v", c.arg, err)
		}
	}
}

func TestRestRoutes(t *testing.T) {
	routes := []QueryRoute{
		Rest("one", func(rest string) (any, error) { return map[string]string{"rest": rest}, nil }),
		Rest("fail", func(string) (any, error) { return nil, errors.New("refused") }),
	}
	for _, c := range []struct{ path, want, err string }{
		{path: "one", want: `{"rest":""}`},
		{path: "one/a/b", want: `{"rest":"a/b"}`},
		{path: "fail", err: "refused"},
		{path: "two/x", err: "not found: query path /m/two/x"},
	} {
		got, err := Dispatch(nil, "m", c.path, routes)
		if string(got) != c.want || (err != nil) != (c.err != "") || (err != nil && err.Error() != c.err) {
			t.Fatalf("%s: %s %v", c.path, got, err)
		}
	}
}
