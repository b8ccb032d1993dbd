package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/sdk"
)

// agentTemplate is the agent phala agent init writes.
const agentTemplate = `/// <reference path="./phala-agent.d.ts" />
// An AI agent: it runs inside TEE workers. Try it with
//   phala agent dev agent.ts --test
// then deploy it with phala agent deploy (see README.md).

export default async function main(request: AgentRequest): Promise<AgentResponse> {
  const name = request.queries.name?.[0] ?? "world";
  const greetings = (kv.get<number>("greetings") ?? 0) + 1;
  kv.set("greetings", greetings);
  console.log("greeting", name);
  let story = "";
  if (request.path === "/story") {
    const models = await llm.models();
    const r = await llm.chat({ model: models[0] ?? "local/stories260K", messages: [{ role: "user", content: "Once upon a time, " + name }], max_tokens: 40 });
    story = r.content;
  }
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: { hello: name, greetings, story, hasKey: "API_KEY" in request.secret },
  };
}
`

// agentTests is the test file phala agent init writes.
const agentTests = `[
  {"name": "greets", "request": {"method": "GET", "path": "/", "query": "name=phala"}, "expect": {"status": 200, "bodyContains": "\"hello\":\"phala\""}},
  {"name": "counts", "request": {"method": "GET", "path": "/"}, "expect": {"status": 200, "bodyContains": "\"greetings\":2"}},
  {"name": "tells a story (llm mocked)", "request": {"method": "GET", "path": "/story", "query": "name=Lily"},
   "mocks": {"llm": "Once upon a time, Lily found a key.", "kv": {"greetings": 41}},
   "expect": {"status": 200, "bodyContains": "\"greetings\":42,\"story\":\"Once upon a time, Lily found a key.\""}}
]
`

// agentTSConfig types the agent against what the runtime has: the
// language (ES2022) and phala-agent.d.ts, and no DOM, which workers do not
// have.
const agentTSConfig = `{
  "compilerOptions": {
    "target": "es2022",
    "module": "es2022",
    "moduleResolution": "bundler",
    "lib": ["es2022"],
    "types": [],
    "strict": true,
    "noEmit": true
  },
  "include": ["*.ts"]
}
`

// agentPackageJSON gives the project npm scripts for the phala commands
// and a pinned TypeScript for type checks; phala bundles the code itself.
const agentPackageJSON = `{
  "name": %q,
  "private": true,
  "type": "module",
  "scripts": {
    "test": "phala agent dev agent.ts --test",
    "dev": "phala agent dev agent.ts",
    "typecheck": "tsc -p ."
  },
  "devDependencies": {
    "typescript": "5.6.3"
  }
}
`

const agentReadme = `# %s

A phala AI agent. ` + "`agent.ts`" + ` is the handler, ` + "`phala-agent.d.ts`" + ` the types of the
host APIs (fetch, llm, agents, kv, console), ` + "`tests.json`" + ` requests with
expected answers (a test's "mocks" replace fetch by URL, llm.chat's answer and
kv's starting values, so it needs no network and no model).

    npm test            (or: phala agent dev agent.ts --test)   # run tests.json
    npm run typecheck   (after npm install: TypeScript, no DOM)
    phala agent dev agent.ts --secret API_KEY=x     # serve it locally, reloading on change
    phala agent deploy agent.ts --policy public --from <key>   # a devnet's cluster is the default
                    # bundled code up to max_code_size (8 MiB) deploys
    phala agent secrets set <agent id> API_KEY=... --from <key>
    phala agent call <agent id> /?name=you --from <key>
    phala agent logs <agent id> --from <key>
`

func newAgentInitCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "init NAME",
		Short:   "Start a TypeScript agent project: handler, host API types, tests",
		Example: "  phala agent init my-agent && cd my-agent && phala agent dev agent.ts --test",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if _, err := os.Stat(dir); err == nil {
				return fmt.Errorf("%s already exists; pick another name", dir)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			files := map[string]string{
				"agent.ts":         agentTemplate,
				"phala-agent.d.ts": sdk.AgentTypes,
				"tests.json":       agentTests,
				"README.md":        fmt.Sprintf(agentReadme, filepath.Base(dir)),
				"tsconfig.json":    agentTSConfig,
				"package.json":     fmt.Sprintf(agentPackageJSON, filepath.Base(dir)),
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(g.out, "agent project in %s; next: cd %s && phala agent dev agent.ts --test\n", dir, dir)
			return nil
		},
	}
}

func newAgentDevCmd(g *globals) *cobra.Command {
	var listen string
	var secrets []string
	var test bool
	var rtFlags runtimeFlags
	cmd := &cobra.Command{
		Use:   "dev FILE",
		Short: "Run an agent on this machine: serve it over HTTP with live reload, or run its tests.json",
		Long: `Run an agent locally, outside any chain and TEE, with the same handler shapes
and host APIs as on a worker: fetch under the same egress policy, llm (with
--llm-model or --llm-provider), an in-memory kv, console to this terminal.
agents.call needs a network. The file is bundled again whenever it changes.
With --test it runs tests.json beside FILE and exits non-zero on a failure.`,
		Example: `  phala agent dev agent.ts --test
  phala agent dev agent.ts --listen 127.0.0.1:8787 --secret API_KEY=sk-... --llm-model ../shared/models/stories260K.gguf`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := rtFlags.runtime(g)
			if err != nil {
				return err
			}
			d := &pruntime.DevAgent{Runtime: rt, Secrets: map[string]string{}, Log: func(level, text string) {
				fmt.Fprintf(g.errOut, "[agent %s] %s\n", level, text)
			}}
			for _, kv := range secrets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("--secret %q: want NAME=VALUE", kv)
				}
				d.Secrets[k] = v
			}
			if test {
				return runAgentTests(cmd, g, d, args[0])
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code, err := BundleFile(args[0])
				if err != nil {
					http.Error(w, "bundle: "+err.Error(), http.StatusInternalServerError)
					return
				}
				body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
				h := map[string]string{}
				for k, v := range r.Header {
					h[strings.ToLower(k)] = strings.Join(v, ", ")
				}
				resp, err := d.Call(r.Context(), code, r.Method, r.URL.Path, r.URL.Query(), h, body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				for k, v := range resp.Headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(resp.Status)
				io.WriteString(w, resp.Body)
			})}
			fmt.Fprintf(g.out, "serving %s on http://%s (reloads on change; Ctrl-C stops)\n", args[0], ln.Addr())
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			go func() { <-ctx.Done(); srv.Close() }()
			if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8787", "address to serve the agent on")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "a secret NAME=VALUE for request.secret; repeatable")
	cmd.Flags().BoolVar(&test, "test", false, "run tests.json beside FILE and exit")
	rtFlags.register(cmd.Flags())
	return cmd
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func parseQuery(q string) (map[string][]string, error) {
	v, err := url.ParseQuery(q)
	return v, err
}
