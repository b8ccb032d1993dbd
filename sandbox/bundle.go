package sandbox

import (
	"fmt"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// bundleNamespace is the esbuild namespace of the virtual files.
const bundleNamespace = "sandbox"

// resolveSuffixes are tried, in order, after an import path that names no
// file exactly.
var resolveSuffixes = []string{".ts", ".tsx", ".js", ".mjs", ".jsx", ".json", "/index.ts", "/index.tsx", "/index.js", "/index.mjs"}

// loaders maps file extensions to esbuild loaders.
var loaders = map[string]api.Loader{
	".ts":   api.LoaderTS,
	".mts":  api.LoaderTS,
	".tsx":  api.LoaderTSX,
	".js":   api.LoaderJS,
	".mjs":  api.LoaderJS,
	".jsx":  api.LoaderJSX,
	".json": api.LoaderJSON,
	".txt":  api.LoaderText,
}

// Bundle compiles TypeScript or JavaScript sources into one ES module.
// files maps virtual paths ("index.ts", "lib/x.ts") to source; entry names
// one of them. Imports must be relative ("./lib/x") and resolve to one of the
// files (extensions .ts, .tsx, .js, .mjs, .jsx and .json and index files may
// be left out); any other import is an error. Types are stripped, not
// checked. Errors match ErrCompile and name file:line:column.
func Bundle(files map[string]string, entry string) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: internal error: %v", ErrCompile, r)
		}
	}()
	clean := make(map[string]string, len(files))
	for p, src := range files {
		clean[cleanPath(p)] = src
	}
	entry = cleanPath(entry)
	if _, ok := clean[entry]; !ok {
		return nil, fmt.Errorf("%w: entry %q is not one of the files", ErrCompile, entry)
	}
	plugin := api.Plugin{
		Name: "sandbox-files",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if args.Kind == api.ResolveEntryPoint {
					return api.OnResolveResult{Path: entry, Namespace: bundleNamespace}, nil
				}
				p, err := resolveImport(clean, args.Importer, args.Path)
				if err != nil {
					return api.OnResolveResult{}, err
				}
				return api.OnResolveResult{Path: p, Namespace: bundleNamespace}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: bundleNamespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				src, ok := clean[args.Path]
				if !ok {
					return api.OnLoadResult{}, fmt.Errorf("no file %q", args.Path)
				}
				loader, ok := loaders[path.Ext(args.Path)]
				if !ok {
					loader = api.LoaderJS
				}
				return api.OnLoadResult{Contents: &src, Loader: loader}, nil
			})
		},
	}
	opts := BuildOptions(entry)
	opts.Plugins = []api.Plugin{plugin}
	// A neutral platform has no default main fields or conditions; nothing
	// outside the given files is resolved anyway.
	opts.MainFields = []string{}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, m := range res.Errors {
			msgs = append(msgs, formatMessage(m))
		}
		return nil, fmt.Errorf("%w: %s", ErrCompile, strings.Join(msgs, "; "))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("%w: esbuild produced %d files", ErrCompile, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// cleanPath normalizes a virtual path: slash-separated, no leading "./" or "/".
func cleanPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(p, "\\", "/")), "/")
}

// resolveImport resolves import spec written in file importer to one of
// files. Paths are virtual: ".." stops at the root of the file set.
func resolveImport(files map[string]string, importer, spec string) (string, error) {
	if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !strings.HasPrefix(spec, "/") {
		return "", fmt.Errorf("cannot import %q: only relative imports of the given files are allowed", spec)
	}
	base := spec
	if !strings.HasPrefix(spec, "/") {
		base = path.Join(path.Dir("/"+importer), spec)
	}
	p := cleanPath(base)
	if _, ok := files[p]; ok {
		return p, nil
	}
	for _, s := range resolveSuffixes {
		if _, ok := files[p+s]; ok {
			return p + s, nil
		}
	}
	// TypeScript style: "./x.js" written for the source file "./x.ts".
	if ext := path.Ext(p); ext == ".js" || ext == ".mjs" {
		stem := strings.TrimSuffix(p, ext)
		for _, s := range []string{".ts", ".tsx", ".mts"} {
			if _, ok := files[stem+s]; ok {
				return stem + s, nil
			}
		}
	}
	return "", fmt.Errorf("cannot import %q: no such file among the given files", spec)
}

// formatMessage renders an esbuild message as "file:line:col: text".
func formatMessage(m api.Message) string {
	if m.Location == nil {
		return m.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s", strings.TrimPrefix(m.Location.File, bundleNamespace+":"), m.Location.Line, m.Location.Column+1, m.Text)
}

// BuildOptions are the esbuild options every bundle of agent or contract
// code starts from: one ES2022 module in UTF-8 for the engine, written to
// memory, for no platform in particular. Callers add how imports resolve.
func BuildOptions(entry string) api.BuildOptions {
	return api.BuildOptions{
		EntryPoints: []string{entry},
		Bundle:      true,
		Write:       false,
		Outfile:     "bundle.js",
		Format:      api.FormatESModule,
		Platform:    api.PlatformNeutral,
		Target:      api.ES2022,
		Charset:     api.CharsetUTF8,
		LogLevel:    api.LogLevelSilent,
	}
}
