package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestAgentMemoryFlag: --agent-memory sets the agent memory budget in MiB,
// defaults to pruntime's default, and a budget smaller than one call's
// memory limit is refused by name.
func TestAgentMemoryFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want uint64
		err  string
	}{
		{nil, 2 << 30, ""},
		{[]string{"--agent-memory", "512"}, 512 << 20, ""},
		{[]string{"--agent-memory", "10"}, 0, "--agent-memory 10"},
	} {
		var r runtimeFlags
		f := pflag.NewFlagSet("worker", pflag.ContinueOnError)
		r.register(f)
		if err := f.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		rt, err := r.runtime(&globals{errOut: io.Discard})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("%v: err %v, want one naming %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || rt.MemoryBudget != tc.want {
			t.Fatalf("%v: budget %d, err %v; want %d", tc.args, rt.MemoryBudget, err, tc.want)
		}
	}
}
