// Package agenthost is the agent host role of an enclave: it serves calls
// to agents (authentication, the agent's policy, payment, the handler with
// its secrets, a signed answer), keeps each agent's kv store and log in
// the sealed store, queues usage receipts, re-seals agent secrets after a
// cluster epoch change, and serves the OpenAI-compatible API of the AI
// router. It reaches the chain and the outbox only through the narrow
// Core and Outbox interfaces, and reads the time only from its Clock.
package agenthost

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/budget"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// Core is what the agent host needs from the enclave core.
type Core interface {
	core.View
	core.MemberKeys
	// SignAnswer signs an answer with the worker identity, filling in
	// the chain, the worker and the time now.
	SignAnswer(a agentio.Answer, now time.Time) (agentio.Answer, []byte)
	// SignText signs a RedPill signature text with the key of algo.
	SignText(algo string, text []byte) (sig, address string, err error)
}

// Store holds the agents' kv stores and logs and the receipt journal.
type Store interface {
	core.Entries
	Journal(name string) (*sealed.Journal, [][]byte, error)
}

// Topics lists the message kinds the agent host posts.
func Topics() []string {
	return []string{
		agents.TopicReceipts, agents.TopicSecrets, agents.TopicHold,
	}
}

// PolicyQuery asks a policy contract whether a caller may call an agent:
// the contract replica runs the contract's query entry point (at the
// chain's time).
type PolicyQuery func(ctx context.Context, src chainsync.Source, contract [32]byte, caller string, payload json.RawMessage) (contractio.QueryResult, error)

// Host is the agent host role. mu guards the runtime settings, the
// compiled agents and the agents' kv stores and logs; receiptsMu guards
// the usage receipts, which every call touches; the seen-set and the holds
// have their own locks.
type Host struct {
	core   Core
	out    core.Outbox
	store  Store
	clock  core.Clock
	policy PolicyQuery

	mu sync.Mutex
	rt Runtime
	// programs are the compiled agents and their manifests.
	programs programs
	// records are the agents' chain records, decoded once per height.
	records records
	seen    *seenSet
	holds   holds
	// peers carries agent-state replication (replicstate.go); locks
	// serialize each agent's kv on this worker; current says which
	// agents' state this member knows is up to date (setCurrent).
	peers   Peers
	locks   agentLocks
	current map[[32]byte]bool
	// heads are the agents' heads as saveState last wrote them (headOf);
	// snapshotQueries counts the other members' snapshot queries
	// (replicauth.go).
	heads           map[[32]byte]Head
	snapshotQueries budget.Window[[32]byte]
	// clusters are the agents' clusters read from the chain, reused for
	// a moment (clusterOf).
	clusters map[[32]byte]cachedCluster

	// texts are the signature texts of recent answers (signatures.go).
	texts texts
	// admission bounds the memory of the calls running at once.
	admission admission

	// receiptsMu guards the usage receipts not yet in the outbox and
	// their sealed journal.
	receiptsMu sync.Mutex
	// journalMu is held shared by calls appending to journal (which
	// commits their appends in groups) and exclusively by Step rewriting
	// it; take it before receiptsMu.
	journalMu sync.RWMutex
	receipts  []agents.Receipt
	journal   *sealed.Journal
	// journalErr is the first failure to journal a receipt, reported by
	// the next Step.
	journalErr error
}

// New makes the agent host over a core, its outbox (posting Topics) and its
// store, with a
// clock and a way to ask policy contracts. It queues the usage receipts
// a previous run journaled but did not post.
func New(c Core, out core.Outbox, store Store, clock core.Clock, policy PolicyQuery) (*Host, error) {
	host := &Host{core: c, out: out, store: store, clock: clock, policy: policy,
		rt: Runtime{}.withDefaults(), programs: programs{by: map[[32]byte]*program{}}, holds: holds{leases: map[address.Address]*lease{}},
		snapshotQueries: budget.Window[[32]byte]{Limit: snapshotQueryBudget, Span: time.Minute}}
	if err := host.loadReceipts(); err != nil {
		return nil, err
	}
	seen, err := openSeen(store)
	if err != nil {
		return nil, err
	}
	host.seen = seen
	return host, nil
}

// SetRuntime configures the agent runtime; call it before serving.
func (host *Host) SetRuntime(rt Runtime) {
	host.mu.Lock()
	defer host.mu.Unlock()
	host.rt = rt.withDefaults()
}

// Router is the agent host's AI router.
func (host *Host) Router() *llm.Router { return host.runtime().Router }

func (host *Host) runtime() Runtime {
	host.mu.Lock()
	defer host.mu.Unlock()
	return host.rt
}
