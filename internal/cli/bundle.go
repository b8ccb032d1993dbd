package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/sandbox"
)

// BundleFile bundles a TypeScript or JavaScript entry file into one ES
// module, in-process. A project with a node_modules directory (beside the
// entry or above it) is bundled from the file system with its npm packages
// (see bundleWithPackages); otherwise only the relative imports beside the
// entry are allowed.
//
// The project's package.json may carry the agent's manifest under "phala"
// (agenthost.Manifest, e.g. {"phala": {"llmHosts": ["api.openai.com"]}});
// it becomes the bundle's first line, covered by the code hash.
func BundleFile(path string) ([]byte, error) {
	code, err := bundleCode(path)
	if err != nil {
		return nil, err
	}
	man, err := projectManifest(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return man.Prefix(code)
}

// projectManifest reads "phala" from the nearest package.json at or above
// dir (the zero manifest when there is none).
func projectManifest(dir string) (agenthost.Manifest, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return agenthost.Manifest{}, err
	}
	for {
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err == nil {
			var pkg struct {
				Phala agenthost.Manifest `json:"phala"`
			}
			if err := json.Unmarshal(raw, &pkg); err != nil {
				return agenthost.Manifest{}, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
			}
			return pkg.Phala, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return agenthost.Manifest{}, nil
		}
		dir = parent
	}
}

// bundleCode bundles path with its npm packages or its relative imports.
func bundleCode(path string) ([]byte, error) {
	if dir, ok := nodeModulesRoot(filepath.Dir(path)); ok {
		return bundleWithPackages(path, dir)
	}
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

// nodeModulesRoot finds the nearest directory at or above dir that holds a
// node_modules directory, as Node's resolution would.
func nodeModulesRoot(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil && st.IsDir() {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// bundleWithPackages bundles entry with esbuild from the file system:
// bare imports resolve from node_modules, choosing each package's web
// build (the worker, browser and import conditions; module before main),
// since the agent runtime is a web-platform runtime, not Node. Node's
// built-in modules are not there: importing one is an error that names it.
func bundleWithPackages(entry, root string) ([]byte, error) {
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, err
	}
	opts := sandbox.BuildOptions(abs)
	opts.AbsWorkingDir = root
	opts.MainFields = []string{"module", "main"}
	opts.Conditions = []string{"worker", "browser", "import", "default"}
	opts.Define = map[string]string{"process.env.NODE_ENV": `"production"`}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, m := range res.Errors {
			loc := ""
			if m.Location != nil {
				loc = fmt.Sprintf("%s:%d:%d: ", m.Location.File, m.Location.Line, m.Location.Column+1)
			}
			msgs = append(msgs, loc+m.Text)
		}
		return nil, fmt.Errorf("%w: %s", sandbox.ErrCompile, strings.Join(msgs, "; "))
	}
	if len(res.OutputFiles) != 1 {
		return nil, errors.Join(sandbox.ErrCompile, fmt.Errorf("esbuild produced %d files", len(res.OutputFiles)))
	}
	return res.OutputFiles[0].Contents, nil
}
