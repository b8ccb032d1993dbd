package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/keyring"
)

// runCLI runs the phala command tree with args, stdin as input, and returns
// what it wrote to stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := NewRootCmd()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runCLI(t, stdin, args...)
	if err != nil {
		t.Fatalf("phala %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

type keyJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	PubKey  string `json:"pubkey"`
}

// unsetPassphraseEnv makes sure prompts are used, whatever the environment.
func unsetPassphraseEnv(t *testing.T) {
	t.Setenv(PassphraseEnv, "")
	os.Unsetenv(PassphraseEnv)
}

func TestKeysTestBackend(t *testing.T) {
	unsetPassphraseEnv(t)
	home := t.TempDir()
	base := []string{"--home", home, "--keyring-backend", "test"}
	cmd := func(args ...string) []string { return append(append([]string{}, args...), base...) }

	out := mustRun(t, "", cmd("keys", "add", "bob", "--output", "json")...)
	var bob keyJSON
	if err := json.Unmarshal([]byte(out), &bob); err != nil {
		t.Fatalf("add json: %v\n%s", err, out)
	}
	if bob.Name != "bob" || !strings.HasPrefix(bob.Address, "pha1") || bob.PubKey == "" {
		t.Fatalf("add json: %+v", bob)
	}
	out = mustRun(t, "", cmd("keys", "add", "alice")...)
	if !strings.Contains(out, "alice") || !strings.Contains(out, "pha1") {
		t.Fatalf("add text: %s", out)
	}
	if _, _, err := runCLI(t, "", cmd("keys", "add", "alice")...); !errors.Is(err, keyring.ErrExists) {
		t.Fatalf("duplicate add: %v", err)
	}
	if _, _, err := runCLI(t, "", cmd("keys", "add", "bad name")...); err == nil {
		t.Fatal("bad name accepted")
	}

	out = mustRun(t, "", cmd("keys", "list", "--output", "json")...)
	var list []keyJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list json: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].Name != "alice" || list[1] != bob {
		t.Fatalf("list json: %+v", list)
	}
	alice := list[0]

	out = mustRun(t, "", cmd("keys", "list")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "ADDRESS") ||
		!strings.HasPrefix(lines[1], "alice") || !strings.Contains(lines[2], bob.Address) {
		t.Fatalf("list text:\n%s", out)
	}

	out = mustRun(t, "", cmd("keys", "show", "alice", "-o", "json")...)
	var shown keyJSON
	if err := json.Unmarshal([]byte(out), &shown); err != nil || shown != alice {
		t.Fatalf("show json: %v %+v", err, shown)
	}
	out = mustRun(t, "", cmd("keys", "show", bob.Address)...)
	if !strings.Contains(out, "name:    bob") || !strings.Contains(out, bob.PubKey) {
		t.Fatalf("show by address:\n%s", out)
	}
	out = mustRun(t, "", cmd("keys", "show", "alice", "--address")...)
	if strings.TrimSpace(out) != alice.Address {
		t.Fatalf("show --address: %q", out)
	}
	if _, _, err := runCLI(t, "", cmd("keys", "show", "carol")...); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("show missing: %v", err)
	}

	// Export with the passphrase typed twice on stdin.
	armor, stderr, err := runCLI(t, "exp-pw\nexp-pw\n", cmd("keys", "export", "alice")...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Export passphrase for key alice") || !strings.Contains(armor, `"phala-key-export"`) {
		t.Fatalf("export: stdout %q stderr %q", armor, stderr)
	}
	if _, _, err := runCLI(t, "a\nb\n", cmd("keys", "export", "alice")...); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Fatalf("mismatched confirmation: %v", err)
	}
	file := filepath.Join(t.TempDir(), "alice.key")
	if err := os.WriteFile(file, []byte(armor), 0o600); err != nil {
		t.Fatal(err)
	}

	// Import from a file, and from stdin (passphrase from the environment).
	out = mustRun(t, "exp-pw\n", cmd("keys", "import", "alice2", file, "-o", "json")...)
	var imp keyJSON
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Address != alice.Address || imp.Name != "alice2" {
		t.Fatalf("import: %v %s", err, out)
	}
	if _, _, err := runCLI(t, armor, cmd("keys", "import", "alice3", "-")...); err == nil || !strings.Contains(err.Error(), PassphraseEnv) {
		t.Fatalf("import from stdin without a passphrase source: %v", err)
	}
	t.Setenv(PassphraseEnv, "exp-pw")
	out = mustRun(t, armor, cmd("keys", "import", "alice3", "-", "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Address != alice.Address {
		t.Fatalf("import from stdin: %v %s", err, out)
	}
	unsetPassphraseEnv(t)

	// Delete: refused without confirmation, done with y or --yes.
	if _, _, err := runCLI(t, "n\n", cmd("keys", "delete", "alice3")...); err == nil {
		t.Fatal("delete without confirmation succeeded")
	}
	if _, _, err := runCLI(t, "", cmd("keys", "delete", "alice3")...); err == nil {
		t.Fatal("delete with no answer succeeded")
	}
	mustRun(t, "y\n", cmd("keys", "delete", "alice3")...)
	out = mustRun(t, "", cmd("keys", "delete", "alice2", "--yes", "-o", "json")...)
	if !strings.Contains(out, `"deleted": true`) {
		t.Fatalf("delete json: %s", out)
	}
	out = mustRun(t, "", cmd("keys", "list", "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
		t.Fatalf("list after delete: %v %s", err, out)
	}
}

func TestKeysFileBackend(t *testing.T) {
	home := t.TempDir()
	t.Setenv(PassphraseEnv, "file-pw")
	base := []string{"--home", home} // the file backend is the default
	cmd := func(args ...string) []string { return append(append([]string{}, args...), base...) }

	out := mustRun(t, "", cmd("keys", "add", "alice", "-o", "json")...)
	var alice keyJSON
	if err := json.Unmarshal([]byte(out), &alice); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "keyring-file", "alice.json")); err != nil {
		t.Fatal(err)
	}

	// List and show need no passphrase.
	unsetPassphraseEnv(t)
	out = mustRun(t, "", cmd("keys", "list", "-o", "json")...)
	var list []keyJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0] != alice {
		t.Fatalf("list: %v %s", err, out)
	}
	mustRun(t, "", cmd("keys", "show", alice.Address)...)

	// Export needs the key's passphrase: wrong one fails.
	t.Setenv(PassphraseEnv, "wrong")
	if _, _, err := runCLI(t, "", cmd("keys", "export", "alice")...); !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Fatalf("export with wrong passphrase: %v", err)
	}
	t.Setenv(PassphraseEnv, "file-pw")
	armor := mustRun(t, "", cmd("keys", "export", "alice")...)

	// Import into a test keyring elsewhere gives the same address.
	other := t.TempDir()
	out = mustRun(t, armor, "keys", "import", "alice", "-", "--home", other, "--keyring-backend", "test", "-o", "json")
	var imp keyJSON
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Address != alice.Address {
		t.Fatalf("import into test: %v %s", err, out)
	}

	// Prompts on stdin, and --passphrase-file, when the variable is unset.
	unsetPassphraseEnv(t)
	_, stderr, err := runCLI(t, "typed\ntyped\n", cmd("keys", "add", "bob")...)
	if err != nil || !strings.Contains(stderr, "Passphrase to encrypt key bob") {
		t.Fatalf("add with prompt: %v %s", err, stderr)
	}
	pf := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pf, []byte("typed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", cmd("keys", "export", "bob", "--passphrase-file", pf)...)
	if _, _, err := runCLI(t, "", cmd("keys", "export", "bob")...); err == nil || !strings.Contains(err.Error(), "no passphrase") {
		t.Fatalf("export with no passphrase source: %v", err)
	}
}

func TestReadInputLineKeepsRest(t *testing.T) {
	r := strings.NewReader("one\r\ntwo\nthree")
	for _, want := range []string{"one", "two", "three"} {
		got, err := readInputLine(r)
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v, want %q", got, err, want)
		}
	}
	if _, err := readPassphrase(r); !errors.Is(err, errNoPassphrase) {
		t.Fatalf("at EOF: %v", err)
	}
}
