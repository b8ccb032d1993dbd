package cli

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/local"
	"github.com/phalanetwork/phala/llm/openai"
	"github.com/phalanetwork/phala/pruntime"
)

// runtimeFlags are the agent-runtime settings of a worker (and of the
// devnet's workers): the models of the AI router and fetch's exceptions.
type runtimeFlags struct {
	llmModel    string
	providers   []string
	egressHosts []string
	egressCIDRs []string
	limits      llm.Limits
	limitShare  int
	cooldown    llm.Cooldown
	memoryMiB   uint64
}

func (r *runtimeFlags) register(f *pflag.FlagSet) {
	f.StringVar(&r.llmModel, "llm-model", "", "GGUF model file for the AI router's embedded local provider (e.g. ../shared/models/stories260K.gguf)")
	f.StringArrayVar(&r.providers, "llm-provider", nil, "an OpenAI-compatible provider NAME=BASE_URL (its API key from $PHALA_LLM_KEY_<NAME>); repeatable")
	f.IntVar(&r.limits.RPM, "llm-key-rpm", 0, "requests per minute each API key (or signing account) may make to the AI router, across the cluster (0: no limit)")
	f.IntVar(&r.limits.TPM, "llm-key-tpm", 0, "tokens per minute each API key may use, across the cluster (0: no limit)")
	f.Int64Var(&r.limits.Budget, "llm-key-budget", 0, "tokens each API key may use in all while this worker runs, across the cluster (0: no limit)")
	f.IntVar(&r.limitShare, "llm-limit-workers", 1, "how many workers share the --llm-key-* limits: each enforces its share, limit/N rounded up")
	f.IntVar(&r.cooldown.Failures, "llm-cooldown-failures", 3, "consecutive failures after which a provider is skipped for --llm-cooldown (0: never)")
	f.DurationVar(&r.cooldown.For, "llm-cooldown", 30*time.Second, "how long a failing provider is skipped")
	f.StringArrayVar(&r.egressHosts, "egress-allow-host", nil, "HOST:PORT agents may fetch although it is private or loopback; repeatable")
	f.StringArrayVar(&r.egressCIDRs, "egress-allow-cidr", nil, "address prefix agents may fetch although it is private or loopback; repeatable")
	f.Uint64Var(&r.memoryMiB, "agent-memory", pruntime.DefaultAgentMemoryBudget>>20, "MiB the agent calls running at once may hold together, each reserving its VM's memory limit (64 MiB): more calls wait their turn, more agents.call hops are refused (503)")
}

// runtime builds the enclave's agent runtime from the flags.
func (r *runtimeFlags) runtime(g *globals) (pruntime.AgentRuntime, error) {
	if r.memoryMiB < 64 {
		return pruntime.AgentRuntime{}, fmt.Errorf("--agent-memory %d: at least one call's memory limit (64 MiB) is needed", r.memoryMiB)
	}
	rt := pruntime.AgentRuntime{Egress: egress.Policy{AllowHosts: r.egressHosts}, MemoryBudget: r.memoryMiB << 20}
	for _, c := range r.egressCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return rt, fmt.Errorf("--egress-allow-cidr %q: %w", c, err)
		}
		rt.Egress.Allow = append(rt.Egress.Allow, p)
	}
	if err := rt.Egress.Validate(); err != nil {
		return rt, err
	}
	var providers []llm.Provider
	if r.llmModel != "" {
		// Loading reads and dequantizes the whole file: say so for big ones.
		start := time.Now()
		if st, err := os.Stat(r.llmModel); err == nil && st.Size() > 64<<20 {
			fmt.Fprintf(g.errOut, "loading model %s (%d MiB)...\n", r.llmModel, st.Size()>>20)
		}
		p, err := local.New(r.llmModel)
		if err != nil {
			return rt, fmt.Errorf("--llm-model: %w", err)
		}
		if d := time.Since(start); d > time.Second {
			fmt.Fprintf(g.errOut, "model %s loaded in %s\n", r.llmModel, d.Round(time.Millisecond))
		}
		providers = append(providers, p)
	} else {
		providers = append(providers, local.Unconfigured())
	}
	for _, spec := range r.providers {
		name, base, ok := strings.Cut(spec, "=")
		if !ok || name == "" || base == "" {
			return rt, fmt.Errorf("--llm-provider %q: want NAME=BASE_URL", spec)
		}
		p, err := openai.New(name, base, os.Getenv("PHALA_LLM_KEY_"+strings.ToUpper(name)))
		if err != nil {
			return rt, fmt.Errorf("--llm-provider %s: %w", name, err)
		}
		providers = append(providers, p)
	}
	rt.Router = llm.NewRouter(providers...)
	rt.Router.Cooldown = r.cooldown
	if r.limits != (llm.Limits{}) {
		if r.limitShare < 1 {
			return rt, fmt.Errorf("--llm-limit-workers %d must be at least 1", r.limitShare)
		}
		share := r.limitShare
		rt.Router.Limiter = &llm.Limiter{Default: r.limits, Workers: func() int { return share }}
	}
	return rt, nil
}
