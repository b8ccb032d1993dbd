package agenthost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// TestPolicyContractBusyIsNotForbidden: when the policy contract cannot be
// asked because the worker's query slots are taken (core.ErrBusy), the
// call is refused for load (503, try again), not as forbidden (403, which
// tells the caller the policy refuses it); any other failure to ask stays
// forbidden.
func TestPolicyContractBusyIsNotForbidden(t *testing.T) {
	busy := fmt.Errorf("%w: 4 queries running here", core.ErrBusy)
	broken := errors.New("contract not running here")
	a := agents.Agent{Owner: address.Address{1}, Policy: agents.Policy{Kind: agents.PolicyContract, Contract: make(agents.Hex, 32)}}
	for _, tc := range []struct {
		asked     error
		busy      bool
		forbidden bool
	}{
		{asked: busy, busy: true},
		{asked: broken, forbidden: true},
	} {
		host := &Host{
			clock: func() time.Time { return time.Unix(1, 0) },
			policy: func(context.Context, chainsync.Source, [32]byte, string, json.RawMessage) (contractio.QueryResult, error) {
				return contractio.QueryResult{}, tc.asked
			},
		}
		err := host.checkPolicy(context.Background(), nil, a, [32]byte{2}, address.Address{3})
		if errors.Is(err, core.ErrBusy) != tc.busy || errors.Is(err, ErrForbidden) != tc.forbidden {
			t.Errorf("asking the policy contract failed with %q: got %v (busy %v, forbidden %v), want busy %v, forbidden %v",
				tc.asked, err, errors.Is(err, core.ErrBusy), errors.Is(err, ErrForbidden), tc.busy, tc.forbidden)
		}
	}
}
