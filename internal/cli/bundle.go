package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/phalanetwork/phala/sandbox"
)

// BundleFile bundles a TypeScript or JavaScript entry file with the
// relative imports beside it into one ES module, in-process.
func BundleFile(path string) ([]byte, error) {
	root := filepath.Dir(path)
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		switch filepath.Ext(p) {
		case ".ts", ".js", ".mjs", ".json":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	entry, _ := filepath.Rel(root, path)
	return sandbox.Bundle(files, filepath.ToSlash(entry))
}
