package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEVMRequest is the EVM developer's path through the binary on
// "phala devnet --evm": deploy a TypeScript agent, deploy the example
// consumer PriceOracle trusting the gatekeepers' master EVM key, bridge
// the agent, and ask it from the EVM chain; a member of the agent's
// cluster answers in its enclave, the anchor accepts the answer and the
// consumer's state shows it.
func TestEVMRequest(t *testing.T) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms", "--evm")
	common := cliFlags(home, url)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }
	h.waitCluster(url, dn)

	agent := deployOracleAgent(t, h, common, dn)

	if out := run("evm", "deploy-anchor", "--agent", agent); !strings.Contains(out, "generation 0") {
		t.Fatalf("deploy-anchor:\n%s", out)
	}
	run("evm", "bridge", agent, "--from", "alice")
	var got struct{ ID, Answer string }
	h.mustRunJSON(&got, append([]string{"evm", "request", "ETH/USD", "--value", "1000", "--wait", "60s"}, common...)...)
	if got.ID != "1" || got.Answer != "ETH/USD:3150.25" {
		t.Fatalf("evm request: %+v", got)
	}
	var st struct {
		LastAnswered uint64 `json:"last_answered"`
		Requests     uint64 `json:"requests"`
		Agent        string `json:"agent"`
	}
	h.mustRunJSON(&st, append([]string{"evm", "status"}, common...)...)
	if st.LastAnswered != 1 || st.Requests != 1 || st.Agent != agent {
		t.Fatalf("evm status: %+v", st)
	}
}

// TestEVMBridgeKeepsSecrets: bridging an agent whose owner already set
// OPENAI_API_KEY keeps that secret: the bridged agent (evmspy.js answers
// with every secret its handler sees) still sees it when it answers an EVM
// request, and does not see the bridge's payment key.
func TestEVMBridgeKeepsSecrets(t *testing.T) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms", "--evm")
	common := cliFlags(home, url)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }
	h.waitCluster(url, dn)
	agent := deployEVMAgent(t, h, common, dn, "evmspy.js")
	run("agent", "secrets", "set", agent, "OPENAI_API_KEY=sk-test-1", "--from", "alice")
	run("evm", "deploy-anchor", "--agent", agent)
	run("evm", "bridge", agent, "--from", "alice")
	var got struct{ Answer string }
	h.mustRunJSON(&got, append([]string{"evm", "request", "ETH/USD", "--wait", "60s"}, common...)...)
	if got.Answer != "ETH/USD:OPENAI_API_KEY=sk-test-1" {
		t.Fatalf("the bridged agent answered %q: want its owner's OPENAI_API_KEY kept (and no payment key)", got.Answer)
	}
}

// deployOracleAgent deploys worker/testdata/agents/oracle.ts with the CLI
// (more flags in extra), waits for its keys, funds alice's escrow and
// returns the agent's id.
func deployOracleAgent(t *testing.T, h *harness, common []string, dn *proc, extra ...string) string {
	t.Helper()
	return deployEVMAgent(t, h, common, dn, "oracle.ts", extra...)
}

// deployEVMAgent deploys worker/testdata/agents/<file> as deployOracleAgent
// does.
func deployEVMAgent(t *testing.T, h *harness, common []string, dn *proc, file string, extra ...string) string {
	t.Helper()
	deployed := h.mustRun(append(append([]string{"agent", "deploy", filepath.Join("..", "worker", "testdata", "agents", file), "--policy", "public", "--from", "alice"}, extra...), common...)...)
	var agent string
	for _, line := range strings.Split(deployed, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "agent" && f[2] == "deployed" {
			agent = f[1]
		}
	}
	if len(agent) != 64 {
		t.Fatalf("deploy printed:\n%s", deployed)
	}
	h.waitAgentKeys(common, agent, dn)
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "alice"}, common...)...)
	return agent
}
