package core

import (
	"context"
	"fmt"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

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
