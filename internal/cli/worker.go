package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sevsnp"
	"github.com/phalanetwork/phala/tee/tdx"
	"github.com/phalanetwork/phala/tee/teefake"
	"github.com/phalanetwork/phala/worker"
)

// workerFlags are the flags of "phala worker".
type workerFlags struct {
	operator, teeKind, listen, publicURL, genesisPath, simKeyPath string
	teeFake                                                       bool
	rt                                                            runtimeFlags
	evm                                                           evmBridgeFlags
}

func newWorkerCmd(g *globals) *cobra.Command {
	var wf workerFlags
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a TEE worker (pRuntime): register on chain and follow it",
		Long: `Run a worker. The enclave half makes and seals the worker's keys in
--home/sealed, follows the chain through a light client rooted in genesis,
attests and registers the worker (the --operator account signs and pays), and
reports its benchmark score. The host half only carries signed and encrypted
data. A restart unseals the same identity.

--tee picks the TEE: tdx and sev-snp use the Linux configfs-tsm interface of
a confidential VM; sim is a software stand-in for development that gives no
confidentiality, accepted only by chains whose genesis sets allow_sim_tee.
--tee-fake, FOR TESTS ONLY, runs the real tdx or sev-snp code over fake
hardware (go-configfs-tsm and go-sev-guest fakes signed by public test keys);
only chains whose genesis lists the test roots (phala devnet --tee-test-roots)
accept it.

The genesis file is the light client's root of trust: pass --genesis, or the
worker fetches it from --node once and keeps it in --home (trust on first use).
The enclave is bound to that genesis (validators included): its TEE attests
it and its sealed store is sealed for it, so started with another genesis
the worker refuses ("sealed store belongs to another chain"). A restart
resumes the light client from its sealed checkpoint.`,
		Example: `  phala worker --home ./w0 --node http://127.0.0.1:26657 --tee sim \
    --operator worker0 --keyring-dir ~/.phala --keyring-backend test \
    --sim-attestation-key ~/.phala/config/sim_attestation_key
  phala worker --home /var/lib/phala-worker --operator ops --tee tdx --genesis genesis.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), g, &wf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&wf.operator, "operator", "", "key name or address (in the keyring) of the account that registers the worker and pays its fees")
	f.StringVar(&wf.teeKind, "tee", "sim", "TEE: sim, tdx or sev-snp")
	f.StringVar(&wf.listen, "listen", "127.0.0.1:0", "HTTP listen address")
	f.StringVar(&wf.publicURL, "public-url", "", "endpoint registered on chain (default http://<listen address>)")
	f.StringVar(&wf.genesisPath, "genesis", "", "genesis.json to trust (default: --home/genesis.json, fetched from --node on first start)")
	f.StringVar(&wf.simKeyPath, "sim-attestation-key", "", "dev attestation key file for --tee sim")
	f.BoolVar(&wf.teeFake, "tee-fake", false, "FOR TESTS ONLY: with --tee tdx or sev-snp, use fake hardware instead of /sys/kernel/config/tsm and /dev/sev-guest (no confidentiality)")
	wf.rt.register(f)
	wf.evm.register(f)
	cmd.MarkFlagRequired("operator")
	addWorkerComputeCmds(g, cmd)
	return cmd
}

func runWorker(ctx context.Context, g *globals, wf *workerFlags) error {
	logger, err := g.logger()
	if err != nil {
		return err
	}
	kr, info, err := g.findKey(wf.operator, "--operator")
	if err != nil {
		return err
	}
	opKey, err := kr.PrivKey(info.Name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(g.home, 0o700); err != nil {
		return err
	}
	gen, err := loadWorkerGenesis(ctx, g, wf.genesisPath)
	if err != nil {
		return err
	}
	kms := &worker.KMSKey{}
	p, err := openTEE(g, wf, gen, kms)
	if err != nil {
		return err
	}
	rt, err := wf.rt.runtime(g)
	if err != nil {
		return err
	}
	bridge, err := wf.evm.bridge()
	if err != nil {
		return err
	}
	ctx, stop := signalContext(ctx)
	defer stop()
	w, err := worker.Start(ctx, worker.Options{
		Home: g.home, Genesis: gen, NodeURL: g.node, Operator: opKey, Provider: p,
		Listen: wf.listen, PublicURL: wf.publicURL, Logger: logger, Agents: rt, KMS: kmsFor(p, kms), EVM: bridge,
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// Ctrl-C while it started (a TDX worker waiting for its sealing
		// key): stopped as asked, not failed.
		fmt.Fprintf(g.errOut, "worker stopped before it started: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out, "worker %s\n  tee:      %s\n  endpoint: %s\n  operator: %s\n", w.ID(), p.Kind(), w.Endpoint(), info.Address)
	<-ctx.Done()
	return w.Stop()
}

// openTEE opens the TEE that --tee names; sim needs its attestation key.
// A TDX provider takes its sealing key from kms (the gatekeepers' KMS).
func openTEE(g *globals, wf *workerFlags, gen *cmttypes.GenesisDoc, kms *worker.KMSKey) (tee.Provider, error) {
	kind, simKeyPath := wf.teeKind, wf.simKeyPath
	if wf.teeFake {
		return openFakeTEE(g, tee.Kind(kind), gen, kms)
	}
	switch tee.Kind(kind) {
	case tee.KindSim:
		if simKeyPath == "" {
			return nil, fmt.Errorf("--tee sim needs --sim-attestation-key (a devnet keeps one in config/sim_attestation_key)")
		}
		key, err := worker.LoadOrCreateSimAttestationKey(simKeyPath)
		if err != nil {
			return nil, err
		}
		sp, err := worker.NewSimProvider(key, g.home, pruntime.GenesisHash(gen))
		if err != nil {
			return nil, err
		}
		fmt.Fprint(g.errOut, sp.Warning())
		return sp, nil
	case tee.KindTDX:
		p, err := tdx.Open(kms)
		if err != nil {
			return nil, fmt.Errorf("open TDX: %w", err)
		}
		return p, nil
	case tee.KindSEVSNP:
		p, err := sevsnp.Open(nil)
		if err != nil {
			return nil, fmt.Errorf("open SEV-SNP: %w", err)
		}
		return p, nil
	default:
		return nil, fmt.Errorf("--tee must be sim, tdx or sev-snp, not %q", kind)
	}
}

// openFakeTEE opens the real tdx or sev-snp provider over fake hardware
// that measures this build and attests genesis as its configuration.
func openFakeTEE(g *globals, kind tee.Kind, gen *cmttypes.GenesisDoc, kms *worker.KMSKey) (tee.Provider, error) {
	if kind != tee.KindTDX && kind != tee.KindSEVSNP {
		return nil, fmt.Errorf("--tee-fake needs --tee tdx or sev-snp, not %q", kind)
	}
	fmt.Fprint(g.errOut, teefake.Warning)
	o := teefake.Options{Code: pruntime.SimCode, Config: pruntime.GenesisHash(gen)}
	p, err := teefake.Provider(kind, o, kms)
	if err != nil {
		return nil, fmt.Errorf("open fake %s: %w", kind, err)
	}
	return p, nil
}

// kmsFor returns kms for a TDX provider, which has no hardware sealing
// key, and nil for the others.
func kmsFor(p tee.Provider, kms *worker.KMSKey) *worker.KMSKey {
	if p.Kind() == tee.KindTDX {
		return kms
	}
	return nil
}

// loadWorkerGenesis reads the trusted genesis, fetching and keeping it on
// first start when no file is named.
func loadWorkerGenesis(ctx context.Context, g *globals, path string) (*cmttypes.GenesisDoc, error) {
	if path != "" {
		return cmttypes.GenesisDocFromFile(path)
	}
	kept := filepath.Join(g.home, "genesis.json")
	if _, err := os.Stat(kept); err == nil {
		return cmttypes.GenesisDocFromFile(kept)
	}
	c, err := client.New(g.node)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := c.RPC.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch genesis from %s: %w", g.node, err)
	}
	if err := res.Genesis.SaveAs(kept); err != nil {
		return nil, fmt.Errorf("keep genesis: %w", err)
	}
	return res.Genesis, nil
}
