package sandbox

import (
	"errors"
	"strings"
	"testing"
)

func TestBundle(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		entry   string
		wantErr []string // substrings of the error; nil: success
		call    string   // JSON the default export returns for the argument 2
	}{
		{
			name: "typescript with a relative import",
			files: map[string]string{
				"index.ts": `import { twice, type Num } from "./lib/math";
interface Req { n: Num }
export default function main(req: Req): { out: Num } { return { out: twice(req.n) }; }`,
				"lib/math.ts": `export type Num = number;
export function twice(x: Num): Num { return x * 2; }`,
			},
			entry: "index.ts",
			call:  `{"out":4}`,
		},
		{
			name: "javascript, index file and .js suffix for a .ts file",
			files: map[string]string{
				"main.js":        `import { k } from "./util"; import { m } from "./other.js"; export default (req) => ({ out: req.n + k + m });`,
				"util/index.js":  `export const k = 10;`,
				"other.ts":       `export const m: number = 100;`,
				"./unused/x.txt": `never imported`,
			},
			entry: "./main.js",
			call:  `{"out":112}`,
		},
		{
			name:    "unknown package import",
			files:   map[string]string{"index.ts": `import _ from "lodash";` + "\n" + `export default () => _;`},
			entry:   "index.ts",
			wantErr: []string{"index.ts:1:", `"lodash"`, "only relative imports"},
		},
		{
			name:    "missing relative import",
			files:   map[string]string{"index.ts": "\n\nimport { x } from './nope';\nexport default () => x;"},
			entry:   "index.ts",
			wantErr: []string{"index.ts:3:", `"./nope"`, "no such file"},
		},
		{
			name:    "import leaving the file set",
			files:   map[string]string{"index.ts": "import x from '../../etc/passwd';\nexport default () => x;"},
			entry:   "index.ts",
			wantErr: []string{"index.ts:1:", "no such file"},
		},
		{
			name: "syntax error names file and line",
			files: map[string]string{
				"index.ts": `import { f } from "./lib/f"; export default f;`,
				"lib/f.ts": "export function f(a: number) {\n  return a +* 2;\n}",
			},
			entry:   "index.ts",
			wantErr: []string{"lib/f.ts:2:"},
		},
		{
			name:    "entry not among the files",
			files:   map[string]string{"index.ts": `export default 1;`},
			entry:   "main.ts",
			wantErr: []string{`"main.ts"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Bundle(tt.files, tt.entry)
			if tt.wantErr != nil {
				if !errors.Is(err, ErrCompile) {
					t.Fatalf("err = %v, want ErrCompile", err)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, metered := range []bool{false, true} {
				p := compile(t, string(out), metered)
				if got := mustCall(t, p, "default", []any{map[string]any{"n": 2}}, Env{}, Limits{}); got != tt.call {
					t.Errorf("metered=%v: got %s, want %s", metered, got, tt.call)
				}
			}
		})
	}
}
