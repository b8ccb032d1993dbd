package core

import (
	"context"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// View is the part of the core every member role reads: who this worker
// is and proven chain state through the read cache.
type View interface {
	ID() registry.WorkerID
	ChainID() string
	// Synced is the height and the verified time of the last header.
	Synced() (int64, time.Time)
	// CaughtUp is nil once the view is as recent as the chain was when
	// this enclave started, else chainsync.ErrBehind.
	CaughtUp() error
	Cached(ctx context.Context, src chainsync.Source, key []byte) ([]byte, int64, error)
	CachedAt(ctx context.Context, src chainsync.Source, key []byte, h int64) ([]byte, error)
}

// MemberKeys are the keys a cluster member is entitled to: its clusters'
// keys and the contract (and agent) keys derived from them.
type MemberKeys interface {
	HoldsClusterKey(cluster [32]byte, epoch uint64) (bool, error)
	ContractKey(cluster, id [32]byte, epoch uint64) (ContractKey, bool, error)
}

// Outbox is how a role posts: a *Poster limited to the role's topics.
type Outbox interface {
	Post(ctx context.Context, src chainsync.Source, topic string, payload []byte) (mq.SignedMessage, error)
	HasPending(topic string, prefix []byte) bool
}

// Entries is a role's view of the sealed store: it reads and writes its
// own entries.
type Entries interface {
	Get(name string) ([]byte, error)
	Put(name string, value []byte) error
}

// StringArg reads string argument i of a sandbox host call: the host
// functions of contracts and agents take their arguments as strings.
func StringArg(args []any, i int) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("missing argument %d", i+1)
	}
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string", i+1)
	}
	return s, nil
}

// StringArgs reads the first n arguments of a host call, each a string.
func StringArgs(args []any, n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		s, err := StringArg(args, i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}
