package agenthost

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/pha"
)

// hopPrices is what a call's caller agreed to pay for the prices of the
// agents its hops reach (agentio.HeaderMaxHopPrice), shared by the call's
// hops. The first caller pays every hop, so without it an agent could
// spend its caller's escrow on priced agents (its author's, say) the
// caller never chose; the called agent's own price is on chain, and the
// network's fees of each hop are bounded by the call's limits.
type hopPrices struct {
	mu      sync.Mutex
	allowed pha.Amount
	spent   pha.Amount
}

// maxHopPrices reads the caller's HeaderMaxHopPrice (an amount as
// pha.Parse reads it: "2PHA", or base units); absent, the hops may reach
// free agents only.
func maxHopPrices(h http.Header) (*hopPrices, error) {
	v := h.Get(agentio.HeaderMaxHopPrice)
	if v == "" {
		return &hopPrices{}, nil
	}
	a, err := pha.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", ErrPayment, agentio.HeaderMaxHopPrice, v, err)
	}
	return &hopPrices{allowed: a}, nil
}

// take counts the price of a hop into agent id against what the caller
// agreed to, or refuses the hop.
func (b *hopPrices) take(id [32]byte, price pha.Amount) error {
	if price.IsZero() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	total, err := b.spent.Add(price)
	if err != nil || b.allowed.LT(total) {
		return fmt.Errorf("%w: agent %x costs %s a call, and the caller's %s allows %s for hop prices, %s of it spent", ErrPayment, id, price.PHA(), agentio.HeaderMaxHopPrice, b.allowed.PHA(), b.spent.PHA())
	}
	b.spent = total
	return nil
}
