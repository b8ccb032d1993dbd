// Package devnet runs a whole local network in one process: today one
// validator with funded dev accounts; the worker, gatekeeper, gateway and
// explorer join it as they are built (see Services).
package devnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/evm/devchain"
	"github.com/phalanetwork/phala/explorer"
	"github.com/phalanetwork/phala/gateway"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
	"github.com/phalanetwork/phala/worker"
)

// ChainID of every devnet.
const ChainID = "phala-devnet"

// Accounts are the funded dev accounts, kept in the home's test keyring.
var Accounts = []string{"alice", "bob", "carol"}

// AccountFunds is what each dev account holds at genesis.
var AccountFunds = pha.Whole(10_000_000)

// Options configure a devnet.
type Options struct {
	Home    string
	RPCPort int // 0 picks a free port
	Reset   bool
	// BlockTime is the pause between blocks (CometBFT's timeout_commit).
	BlockTime time.Duration
	// RetainBlocks makes the node keep only the last RetainBlocks blocks
	// (0 keeps all; else at least app.MinRetainBlocks), as `phala node
	// --retain-blocks` does; a worker started after the pruning joins from
	// a checkpoint the gatekeepers sign.
	RetainBlocks int64
	// Workers is the number of sim-TEE workers to run (default 1; -1 for
	// none).
	Workers int
	// Gatekeepers is how many of the workers the key authority makes
	// gatekeepers once they register (default 1, or none without
	// workers; -1 for none).
	Gatekeepers int
	// Cluster creates, on a new chain, a cluster owned by alice whose
	// members are the workers that are not gatekeepers (or all workers if
	// every one is), so contracts can be deployed at once.
	Cluster bool
	// Agents configures the workers' agent runtime: fetch's egress policy
	// and the AI router.
	Agents pruntime.AgentRuntime
	// GatewayAddr serves the gateway ("" for none; "127.0.0.1:0" picks a
	// port).
	GatewayAddr string
	// GatewayIdleTimeout is the gateway's idle timeout on a worker's
	// answer (gateway.Options.IdleTimeout; 0 for its default).
	GatewayIdleTimeout time.Duration
	// OpsAddr serves /metrics, /healthz and /readyz ("" for none;
	// "127.0.0.1:0" picks a port).
	OpsAddr string
	// TEETestRoots, on a new chain, trusts the fake TEE hardware of
	// tee/teefake (genesis tee_test_roots) and allow-lists the fake TDX
	// and SEV-SNP measurements of this build, so `phala worker --tee tdx
	// --tee-fake` can register. For tests only.
	TEETestRoots bool
	Out          io.Writer
	Logger       *slog.Logger

	// EVM also runs an in-process go-ethereum dev chain (evm/devchain),
	// its dev account keys in <home>/evm; EVMAddr is its JSON-RPC listen
	// address ("" picks a free port on loopback).
	EVM     bool
	EVMAddr string

	// Shielded, on a new chain, sets the shielded pool up with a
	// single-party devnet setup (ShieldedWarning): the verifying keys go
	// into genesis, the proving keys to <home>/shielded/.
	Shielded bool
	// ShieldedCeremony instead starts, in genesis, the setup ceremony
	// among the gatekeepers' enclaves on chain (docs/shielded.md): the
	// pool takes messages once it is done, and the proving keys come from
	// its record (phala shielded ceremony verify --write-keys).
	ShieldedCeremony bool
	// CeremonyCircuits are the circuits the ceremony sets up (default all
	// three; tests take the small shield circuit).
	CeremonyCircuits []string
	// CeremonyTurnBlocks is the ceremony's turn_blocks (0: the module's
	// default): how long a silent gatekeeper holds it up.
	CeremonyTurnBlocks uint64
}

// Devnet is a running devnet.
type Devnet struct {
	Node    *node.Node
	RPCURL  string
	Home    string
	Keyring *keyring.Keyring
	Workers []*worker.Worker
	// OpsURL is where /metrics, /healthz and /readyz answer, if served.
	OpsURL string
	// Gateway is the devnet's gateway, if it runs one.
	Gateway *gateway.Gateway
	// EVM is the devnet's EVM dev chain, if it runs one.
	EVM *devchain.Chain
	// cluster is closed once the devnet's cluster exists (or creating it
	// failed); clusterID is then its id, zero on failure.
	cluster   chan struct{}
	clusterID [32]byte
	// services run beside the validator and stop before it, last started
	// first stopped.
	services []Service
}

// Service is a component that runs beside the validator (worker,
// gatekeeper, gateway, explorer). Later parts add theirs to Start.
type Service interface {
	Name() string
	Stop() error
}

// Start initialises the home on first use and starts the network. It
// returns once the first block is committed.
func Start(ctx context.Context, o Options) (*Devnet, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	kr, simKey, err := openHome(o)
	if err != nil {
		return nil, err
	}
	n, rpcAddr, err := startNode(ctx, o)
	if err != nil {
		return nil, err
	}
	d := &Devnet{Node: n, RPCURL: node.RPCURL(rpcAddr), Home: o.Home, Keyring: kr, cluster: make(chan struct{})}
	if err := d.waitForBlock(ctx); err != nil {
		n.Stop()
		return nil, err
	}
	if o.OpsAddr != "" {
		if err := d.serveOps(ctx, o.OpsAddr); err != nil {
			n.Stop()
			return nil, err
		}
	}
	if err := d.startServices(ctx, o, simKey); err != nil {
		d.Stop()
		return nil, err
	}
	if o.Cluster && len(d.Workers) > 0 {
		members := d.Workers[max(o.Gatekeepers, 0):]
		if len(members) == 0 {
			members = d.Workers
		}
		go func() {
			defer close(d.cluster)
			d.clusterID = d.createCluster(ctx, members, o.Logger)
		}()
	} else {
		close(d.cluster)
	}
	return d, nil
}

// Cluster waits until the devnet's cluster exists and returns its id; ok
// is false when the devnet makes none, making it failed (the log says
// why), or ctx ended first.
func (d *Devnet) Cluster(ctx context.Context) (id [32]byte, ok bool) {
	select {
	case <-d.cluster:
		return d.clusterID, d.clusterID != [32]byte{}
	case <-ctx.Done():
		return id, false
	}
}

// setDefaults fills the zero options with the devnet's defaults and checks
// that the gatekeepers can be drawn from the workers.
func (o *Options) setDefaults() error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.BlockTime == 0 {
		o.BlockTime = time.Second
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if o.Gatekeepers == 0 {
		o.Gatekeepers = 1
		if o.Workers < 0 {
			o.Gatekeepers = -1
		}
	}
	if o.Gatekeepers > o.Workers {
		return fmt.Errorf("devnet: %d gatekeepers need at least as many workers, have %d", o.Gatekeepers, max(o.Workers, 0))
	}
	return nil
}

// resetEntries are what a devnet keeps in its home besides the keyring:
// --reset removes them and keeps the keys, so the dev accounts keep their
// addresses and a home shared with other keys loses none.
var resetEntries = []string{"config", "data", "workers", ShieldedDir, ClientConfigFile}

// ClientConfigFile is the file in the home where the CLI finds the running
// devnet's endpoints (see internal/cli's client config).
const ClientConfigFile = "client.json"

// checkDevnetHome refuses a home that holds another chain, so neither a
// devnet nor its --reset touches a real node's files.
func checkDevnetHome(home string) error {
	if !node.IsInitialized(home) {
		return nil
	}
	doc, err := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return fmt.Errorf("devnet: read %s: %w", home, err)
	}
	if doc.ChainID != ChainID {
		return fmt.Errorf("devnet: %s holds chain %q, not a devnet; give the devnet its own --home", home, doc.ChainID)
	}
	return nil
}

// openHome resets the home if asked, opens its keyring and the sim-TEE
// attestation key, and writes a new chain's genesis on first use.
func openHome(o Options) (*keyring.Keyring, ed25519.PrivateKey, error) {
	if err := checkDevnetHome(o.Home); err != nil {
		return nil, nil, err
	}
	if o.Reset {
		for _, name := range resetEntries {
			if err := os.RemoveAll(filepath.Join(o.Home, name)); err != nil {
				return nil, nil, fmt.Errorf("reset %s: %w", o.Home, err)
			}
		}
	}
	kr, err := keyring.Open(o.Home, keyring.BackendTest, nil)
	if err != nil {
		return nil, nil, err
	}
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(o.Home, "config", "sim_attestation_key"))
	if err != nil {
		return nil, nil, err
	}
	if !node.IsInitialized(o.Home) {
		fmt.Fprintf(o.Out, "Creating a new devnet in %s\n", o.Home)
		var extra []node.GenesisSection
		if o.Shielded {
			sec, err := setupShielded(o.Home, o.Out, o)
			if err != nil {
				return nil, nil, fmt.Errorf("init devnet: %w", err)
			}
			extra = append(extra, sec)
		}
		if err := initHome(o.Home, kr, simKey.Public().(ed25519.PublicKey), max(o.Workers, 1), max(o.Gatekeepers, 0), o.TEETestRoots, extra...); err != nil {
			return nil, nil, fmt.Errorf("init devnet: %w", err)
		}
	}
	return kr, simKey, nil
}

// startNode starts the single validator with its RPC on o.RPCPort (or a
// free port) and returns it with the RPC listen address.
func startNode(ctx context.Context, o Options) (*node.Node, string, error) {
	port := o.RPCPort
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, "", err
		}
	}
	rpcAddr := "tcp://127.0.0.1:" + strconv.Itoa(port)
	n, err := node.Start(ctx, o.Home, o.Logger, func(c *cmtcfg.Config) {
		c.RPC.ListenAddress = rpcAddr
		// The single validator has no peers; let the OS pick its p2p port
		// so two devnets can run side by side.
		c.P2P.ListenAddress = "tcp://127.0.0.1:0"
		// Nor does it need peer discovery, whose address book is written
		// to disk after Stop returns.
		c.P2P.PexReactor = false
		c.Consensus.TimeoutCommit = o.BlockTime
	})
	if err != nil {
		return nil, "", err
	}
	if err := n.SetRetainBlocks(o.RetainBlocks); err != nil {
		return nil, "", errors.Join(fmt.Errorf("devnet: retain blocks: %w", err), n.Stop())
	}
	return n, rpcAddr, nil
}

// serveOps serves the node's /metrics, /healthz and /readyz on addr until
// the devnet stops.
func (d *Devnet) serveOps(ctx context.Context, addr string) error {
	opsCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	bound, err := d.Node.ServeOps(opsCtx, addr)
	if err != nil {
		cancel()
		return err
	}
	d.OpsURL = "http://" + bound
	d.services = append(d.services, stopFunc{"ops server", func() error { cancel(); return nil }})
	return nil
}

// startServices starts the workers, has the gatekeepers appointed and
// starts the gateway with the explorer, adding each to d.services. The
// caller stops the devnet if it fails.
func (d *Devnet) startServices(ctx context.Context, o Options, simKey ed25519.PrivateKey) error {
	// The EVM chain first: the cluster's workers bridge it.
	if o.EVM {
		if err := d.startEVM(ctx, o); err != nil {
			return err
		}
	}
	for i := 0; i < o.Workers; i++ {
		w, err := d.startWorker(ctx, o, simKey, i)
		if err != nil {
			return fmt.Errorf("start worker %d: %w", i, err)
		}
		d.Workers = append(d.Workers, w)
		d.services = append(d.services, workerService{w})
	}
	if o.Gatekeepers > 0 {
		go d.appointGatekeepers(ctx, d.Workers[:o.Gatekeepers], o.Logger)
	}
	if o.GatewayAddr != "" {
		return d.startGateway(ctx, o)
	}
	return nil
}

// startEVM starts the EVM dev chain beside the validator.
func (d *Devnet) startEVM(ctx context.Context, o Options) error {
	c, err := devchain.Start(ctx, devchain.Options{Dir: filepath.Join(o.Home, "evm"), Addr: o.EVMAddr, Logger: o.Logger.With("service", "evm")})
	if err != nil {
		return fmt.Errorf("start evm dev chain: %w", err)
	}
	d.EVM = c
	d.services = append(d.services, stopFunc{"evm dev chain", c.Stop})
	return writeEVMFiles(filepath.Join(o.Home, "evm"), c.RPCURL)
}

// startGateway starts the explorer mounted on a gateway listening on
// o.GatewayAddr.
func (d *Devnet) startGateway(ctx context.Context, o Options) error {
	ex, err := explorer.New(d.RPCURL, o.Logger.With("service", "explorer"))
	if err != nil {
		return fmt.Errorf("start explorer: %w", err)
	}
	if d.EVM != nil {
		if err := ex.SetEVM(d.EVM.RPCURL); err != nil {
			return err
		}
	}
	g, err := gateway.Start(ctx, gateway.Options{NodeURL: d.RPCURL, Listen: o.GatewayAddr, Logger: o.Logger.With("service", "gateway"),
		ProbeEvery: max(o.BlockTime, 500*time.Millisecond), Mount: ex.Mount, IdleTimeout: o.GatewayIdleTimeout})
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	d.Gateway = g
	// The explorer stops first, ending its live streams, so that the
	// gateway's shutdown need not wait for them.
	d.services = append(d.services, g, ex)
	return nil
}

// ClusterOwner is the account that owns the devnet's cluster.
const ClusterOwner = "alice"

// createCluster makes the devnet's cluster once its members registered,
// unless the chain already has one (a restarted devnet), and returns its
// id (zero on failure).
func (d *Devnet) createCluster(ctx context.Context, members []*worker.Worker, log *slog.Logger) [32]byte {
	c, key, err := d.sender(ClusterOwner)
	if err != nil {
		log.Error("devnet cluster", "err", err)
		return [32]byte{}
	}
	if list, err := c.Clusters(ctx); err != nil || len(list) > 0 {
		if err != nil {
			return [32]byte{}
		}
		return [32]byte(list[0].ID)
	}
	for _, w := range members {
		if !registered(ctx, w) {
			return [32]byte{}
		}
	}
	res, err := c.Send(ctx, key, pha.Amount{}, "devnet cluster", &clusters.MsgCreate{})
	if err != nil {
		log.Error("create devnet cluster", "err", err)
		return [32]byte{}
	}
	v, _ := res.Attr(clusters.EventCreated, clusters.AttrCluster)
	id, err := hex.DecodeString(v)
	if err != nil || len(id) != 32 {
		log.Error("create devnet cluster: no id in the events")
		return [32]byte{}
	}
	msgs := make([]tx.Msg, len(members))
	for i, w := range members {
		msgs[i] = &clusters.MsgMember{Cluster: [32]byte(id), Worker: w.ID()}
	}
	if _, err := c.Send(ctx, key, pha.Amount{}, "devnet cluster", msgs...); err != nil {
		log.Error("add devnet cluster members", "err", err)
		return [32]byte{}
	}
	log.Info("devnet cluster created", "cluster", v, "members", len(members))
	return [32]byte(id)
}

func ptr[T any](v T) *T { return &v }

// devnetKeyParams shorten the unbonding delay to something one can wait for.
var devnetKeyParams = func() keys.Params {
	p := keys.DefaultParams()
	p.UnbondDelay = 10
	return p
}()

// AuthorityAccount is the devnet's bootstrapping key authority, named in
// the keys genesis so the devnet can add gatekeepers without a vote. The
// DAO is the authority as well; a chain that carries value names none and
// only the DAO can.
const AuthorityAccount = "authority"

// appointGatekeepers makes each worker a gatekeeper once it is registered,
// in order. Genesis already names the operators of the workers a new devnet
// starts with, so this only acts for gatekeepers added on a later start.
func (d *Devnet) appointGatekeepers(ctx context.Context, ws []*worker.Worker, log *slog.Logger) {
	c, key, err := d.sender(AuthorityAccount)
	if err != nil {
		log.Error("appoint gatekeepers", "err", err)
		return
	}
	for _, w := range ws {
		if !registered(ctx, w) {
			return
		}
		if st, err := c.KeyState(ctx); err == nil && isGatekeeper(st, w.ID()) {
			continue // a restarted devnet keeps its gatekeepers
		}
		if _, err := c.Send(ctx, key, pha.Amount{}, "devnet gatekeeper", &keys.MsgAddGatekeeper{Worker: w.ID()}); err != nil {
			log.Error("appoint gatekeeper", "worker", w.ID().String(), "err", err)
			return
		}
		log.Info("gatekeeper appointed", "worker", w.ID().String())
	}
}

// sender is a client on the devnet's node and the key of account, for the
// transactions the devnet sends to set itself up.
func (d *Devnet) sender(account string) (*client.Client, ed25519.PrivateKey, error) {
	c, err := client.New(d.RPCURL)
	if err != nil {
		return nil, nil, err
	}
	key, err := d.Keyring.PrivKey(account)
	if err != nil {
		return nil, nil, err
	}
	return c, key, nil
}

// registered waits until w is registered on chain; it reports false if ctx
// ends first.
func registered(ctx context.Context, w *worker.Worker) bool {
	select {
	case <-w.Registered():
		return true
	case <-ctx.Done():
		return false
	}
}

func isGatekeeper(st keys.State, id registry.WorkerID) bool {
	for _, g := range st.Gatekeepers {
		if bytes.Equal(g.Worker, id[:]) {
			return true
		}
	}
	return false
}

type stopFunc struct {
	name string
	stop func() error
}

func (s stopFunc) Name() string { return s.name }
func (s stopFunc) Stop() error  { return s.stop() }

type workerService struct{ w *worker.Worker }

func (s workerService) Name() string { return "worker " + s.w.ID().String()[:16] }
func (s workerService) Stop() error  { return s.w.Stop() }

// WorkerFunds is what a worker's operator account gets when a worker is
// added after genesis.
var WorkerFunds = pha.Whole(10_000)

// startWorker runs sim-TEE worker i with its own home and operator account
// worker<i> (funded from alice if genesis did not fund it).
func (d *Devnet) startWorker(ctx context.Context, o Options, simKey ed25519.PrivateKey, i int) (*worker.Worker, error) {
	name := fmt.Sprintf("worker%d", i)
	info, err := d.Keyring.Get(name)
	if err != nil {
		if info, err = d.Keyring.Add(name); err != nil {
			return nil, err
		}
		if err := d.fund(ctx, info.Address, WorkerFunds); err != nil {
			return nil, err
		}
	}
	op, err := d.Keyring.PrivKey(name)
	if err != nil {
		return nil, err
	}
	home := filepath.Join(d.Home, "workers", name)
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(d.Home, "config", "genesis.json"))
	if err != nil {
		return nil, err
	}
	p, err := worker.NewSimProvider(simKey, home, pruntime.GenesisHash(gen))
	if err != nil {
		return nil, err
	}
	if i == 0 {
		fmt.Fprint(o.Out, p.Warning())
	}
	return worker.Start(ctx, worker.Options{
		Home: home, Genesis: gen, NodeURL: d.RPCURL, Operator: op, Provider: p,
		Logger: o.Logger, Poll: min(o.BlockTime/2, 500*time.Millisecond), BenchmarkTime: 200 * time.Millisecond,
		Agents: o.Agents, EVM: d.evmBridge(o, i),
	})
}

func (d *Devnet) fund(ctx context.Context, to address.Address, amount pha.Amount) error {
	key, err := d.Keyring.PrivKey("alice")
	if err != nil {
		return err
	}
	c, err := client.New(d.RPCURL)
	if err != nil {
		return err
	}
	_, err = c.Send(ctx, key, pha.Amount{}, "fund devnet worker", &balances.MsgTransfer{To: to, Amount: amount})
	return err
}

// Stop stops every component, services first, then the validator.
func (d *Devnet) Stop() error {
	var errs []error
	for i := len(d.services) - 1; i >= 0; i-- {
		if err := d.services[i].Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", d.services[i].Name(), err))
		}
	}
	if err := d.Node.Stop(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (d *Devnet) waitForBlock(ctx context.Context) error {
	bus := d.Node.Comet().EventBus()
	sub, err := bus.Subscribe(ctx, "devnet-start", cmttypes.EventQueryNewBlock, 1)
	if err != nil {
		return fmt.Errorf("subscribe to blocks: %w", err)
	}
	defer bus.Unsubscribe(context.Background(), "devnet-start", cmttypes.EventQueryNewBlock) //nolint:errcheck
	if d.Node.Comet().BlockStore().Height() > 0 {
		return nil
	}
	return node.WaitBlock(ctx, sub, 30*time.Second)
}

func initHome(home string, kr *keyring.Keyring, simKey ed25519.PublicKey, workers, gatekeepers int, testRoots bool, extra ...node.GenesisSection) error {
	c := node.DefaultConfig()
	c.Moniker = "devnet-validator"
	pub, err := node.InitFiles(home, c)
	if err != nil {
		return err
	}
	var accts []node.GenesisAccount
	names := append(append([]string(nil), Accounts...), AuthorityAccount)
	for i := 0; i < workers; i++ {
		names = append(names, fmt.Sprintf("worker%d", i))
	}
	for _, name := range names {
		info, err := kr.Ensure(name)
		if err != nil {
			return err
		}
		accts = append(accts, node.GenesisAccount{Name: name, Address: info.Address})
	}
	reg := registry.Genesis{Params: registry.Params{
		AllowSimTEE:        true,
		SimAttestationKeys: []registry.HexBytes{registry.HexBytes(simKey)},
		Measurements:       []registry.Measurement{{TEE: tee.KindSim, Value: worker.SimMeasurement(), Note: pruntime.SimCode}},
		MaxAttestationAge:  registry.DefaultMaxAttestationAge,
	}}
	if testRoots {
		if err := trustFakeTEEs(&reg); err != nil {
			return err
		}
	}
	auth, err := kr.Get(AuthorityAccount)
	if err != nil {
		return err
	}
	sections := append([]node.GenesisSection{
		{Module: registry.Name, Value: reg},
		{Module: keys.Name, Value: keys.Genesis{Authority: auth.Address, GatekeeperOperators: accountsOf(accts, "worker", gatekeepers), Params: &devnetKeyParams}},
		// The DAO is the key authority; the devnet's authority account above
		// bootstraps alongside it. Short periods, to watch a vote.
		{Module: dao.Name, Value: dao.Genesis{Params: ptr(dao.DevnetParams())}},
		// Short periods, so mining, cool-downs and queued withdrawals can be
		// watched on a devnet.
		{Module: computation.Name, Value: computation.Genesis{Params: ptr(computation.DevnetParams())}},
		{Module: stakepool.Name, Value: stakepool.Genesis{Params: ptr(stakepool.DevnetParams())}}}, extra...)
	doc, err := node.NewGenesis(ChainID, []node.GenesisValidator{{Name: c.Moniker, PubKey: pub, Power: 10}}, accts, AccountFunds, app.DefaultParams(), sections...)
	if err != nil {
		return err
	}
	return doc.SaveAs(filepath.Join(home, "config", "genesis.json"))
}

// trustFakeTEEs adds the fake hardware's roots, measurements and CRLs
// (the fake Intel and AMD chains') to a devnet's registry genesis.
func trustFakeTEEs(reg *registry.Genesis) error {
	roots, err := teefake.Roots()
	if err != nil {
		return err
	}
	reg.TestRoots = registry.TestRootsOf(roots)
	// The fake PCK chain's CRLs and the fake ARK's (none revoked): without
	// them no TDX quote or SEV-SNP report, fake or not, is accepted.
	for _, collateral := range []func(teefake.CRLOptions) (tee.TDXCollateral, error){teefake.TDXCollateral, teefake.SEVSNPCollateral} {
		crls, err := collateral(teefake.CRLOptions{})
		if err != nil {
			return err
		}
		reg.TDXCollateral = append(reg.TDXCollateral, crls)
	}
	for _, k := range []tee.Kind{tee.KindTDX, tee.KindSEVSNP} {
		m, err := teefake.MeasurementOf(k, pruntime.SimCode)
		if err != nil {
			return err
		}
		reg.Params.Measurements = append(reg.Params.Measurements, registry.Measurement{TEE: k, Value: m, Note: "teefake " + pruntime.SimCode})
	}
	return nil
}

// accountsOf returns the addresses of the first n accounts named
// prefix0, prefix1, ...: the devnet's genesis gatekeepers are the first
// workers' operators.
func accountsOf(accts []node.GenesisAccount, prefix string, n int) []address.Address {
	var out []address.Address
	for i := 0; i < n; i++ {
		for _, a := range accts {
			if a.Name == fmt.Sprintf("%s%d", prefix, i) {
				out = append(out, a.Address)
			}
		}
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
