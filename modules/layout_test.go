// Package modules_test checks that every chain module has the same shape,
// so a reader who learns one module can find their way in all of them.
package modules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// skeleton is the file set of every module (docs/architecture.md says what
// each file holds). Tests and test-helper subpackages are free.
var skeleton = []string{
	"events.go", "genesis.go", "handlers.go", "keeper.go", "keys.go",
	"module.go", "msgs.go", "query.go", "types.go",
}

// moduleDirs lists the module directories next to this file.
func moduleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) < 11 {
		t.Fatalf("found %d module directories, want at least 11", len(dirs))
	}
	return dirs
}

func TestEveryModuleHasTheSkeleton(t *testing.T) {
	for _, dir := range moduleDirs(t) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				files = append(files, e.Name())
			}
		}
		slices.Sort(files)
		if !slices.Equal(files, skeleton) {
			t.Errorf("modules/%s has %v, want exactly %v", dir, files, skeleton)
		}
	}
}

// TestKeysAreDocumented checks that every state key in keys.go says what
// its value holds.
func TestKeysAreDocumented(t *testing.T) {
	for _, dir := range moduleDirs(t) {
		path := filepath.Join(dir, "keys.go")
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Doc == nil {
					t.Errorf("%s: key builder %s has no comment saying what its value holds", path, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					vs, ok := s.(*ast.ValueSpec)
					if !ok {
						continue
					}
					if vs.Doc == nil && vs.Comment == nil && (d.Doc == nil || len(d.Specs) > 1) {
						t.Errorf("%s: key %s has no comment saying what its value holds", path, vs.Names[0].Name)
					}
				}
			}
		}
	}
}

// queryLiteral matches a string literal that starts a module query path.
var queryLiteral = regexp.MustCompile(`^/(balances|registry|mq|keys|clusters|contracts|agents|computation|stakepool|vault|dao)/`)

// httpRoutes are literals that name HTTP routes of the gateway and the
// worker, not chain queries.
var httpRoutes = []string{"/agents/{id}/{rest...}", "/agents/", "/contracts/query", "/contracts/snapshot"}

// TestNoQueryPathByHand checks that outside the modules (and outside tests)
// query paths come from the modules' path builders.
func TestNoQueryPathByHand(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path == filepath.Join(root, "modules") || name == "node_modules" || name == "third_party" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !queryLiteral.MatchString(s) || slices.Contains(httpRoutes, s) {
				return true
			}
			t.Errorf("%s: query path %q spelled by hand; use the module's path builder or a client method", path, s)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
