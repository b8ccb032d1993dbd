package cli

import "testing"

// TestWorkerComputeAliases: phala worker keeps running a worker and gains
// start-computing and stop-computing; phala vault has its subcommands.
func TestWorkerComputeAliases(t *testing.T) {
	root := NewRootCmd()
	w, _, err := root.Find([]string{"worker"})
	if err != nil || w.Name() != "worker" || !w.Runnable() || w.Flags().Lookup("operator") == nil {
		t.Fatalf("worker command: %v", err)
	}
	for _, args := range [][]string{{"worker", "start-computing"}, {"worker", "stop-computing"},
		{"vault", "create"}, {"vault", "deposit"}, {"vault", "withdraw"}, {"vault", "delegate"}, {"vault", "undelegate"}, {"vault", "info"}} {
		c, _, err := root.Find(args)
		if err != nil || c.Name() != args[1] || c.Flag("from") == nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	root.SetArgs([]string{"worker", "start-computing", "1", "zz", "1PHA"})
	if err := root.Execute(); err == nil {
		t.Fatal("a bad worker id was accepted")
	}
}
