package engines

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// AgentSetup is the JavaScript every agent call's fresh VM runs before the
// handler, taken from the project's sources so that each engine can run
// the same work: the sandbox's bootstrap.js, evaluated to a function and
// called with its configuration, then the agent prelude (weblazy.js and
// the Phala APIs). Stubs stands in for the Go functions the sandbox
// registers (each a JavaScript function here, a C function there).
type AgentSetup struct {
	Stubs, Bootstrap, Prelude, Config string
}

// hostStubs defines the sandbox's Go functions as JavaScript functions
// that do nothing.
const hostStubs = `globalThis.__sbx_oog = function () {};
globalThis.__sbx_go_call = function () { return "u"; };
globalThis.__sbx_go_start = function () {};
globalThis.__sbx_go_random = function () { return [0.5]; };
globalThis.__sbx_go_bytes = function () { return "00"; };
globalThis.__sbx_go_limit = function () {};
globalThis.__sbx_load = function () {};
`

// agentAPIsRE finds the Phala part of the agent prelude, a Go constant of
// pruntime/agenthost (unexported, so read from its source).
var agentAPIsRE = regexp.MustCompile("(?s)const agentAPIsJS = `(.*?)`")

// hostNameRE finds the host functions the prelude takes from the global
// object.
var hostNameRE = regexp.MustCompile(`__phala_[a-z_]+`)

// LoadAgentSetup reads the setup from the project's tree at root.
func LoadAgentSetup(root string) (AgentSetup, error) {
	read := func(p string) (string, error) {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			return "", fmt.Errorf("agent setup: %w", err)
		}
		return string(b), nil
	}
	boot, err := read("sandbox/bootstrap.js")
	if err != nil {
		return AgentSetup{}, err
	}
	lazy, err := read("pruntime/agenthost/weblazy.js")
	if err != nil {
		return AgentSetup{}, err
	}
	rt, err := read("pruntime/agenthost/runtime.go")
	if err != nil {
		return AgentSetup{}, err
	}
	m := agentAPIsRE.FindStringSubmatch(rt)
	if m == nil {
		return AgentSetup{}, fmt.Errorf("agent setup: no agentAPIsJS in runtime.go")
	}
	prelude := lazy + m[1]
	names := hostNameRE.FindAllString(prelude, -1)
	slices.Sort(names)
	names = slices.Compact(names)
	cfg, err := json.Marshal(map[string]any{"metered": false, "gas": 1e18, "deterministic": false, "time": 0, "funcs": names, "async": []string{}})
	if err != nil {
		return AgentSetup{}, fmt.Errorf("agent setup: %w", err)
	}
	// bootstrap.js is a parenthesized function expression; as a script it
	// evaluates to the function.
	return AgentSetup{Stubs: hostStubs, Bootstrap: strings.TrimSpace(boot), Prelude: prelude, Config: string(cfg)}, nil
}
