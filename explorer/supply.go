package explorer

import (
	"context"
	"net/http"

	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

type supplyView struct {
	Total       string `json:"total"`
	Treasury    string `json:"treasury"`
	Subsidy     string `json:"computation_subsidy"`
	Circulating string `json:"circulating"`
	// Staked is what stake pools hold; Bonded what gatekeepers' operators
	// bonded.
	Staked string `json:"staked"`
	Bonded string `json:"gatekeeper_bonds"`
	Escrow string `json:"agent_escrow"`
}

func (e *Explorer) supply(ctx context.Context) (supplyView, error) {
	s, err := e.c.Supply(ctx)
	if err != nil {
		return supplyView{}, err
	}
	v := supplyView{Total: s.Total.PHA(), Treasury: s.Treasury.PHA(), Subsidy: s.Subsidy.PHA(), Circulating: s.Circulating.PHA(),
		Staked: s.Staked.PHA(), Bonded: pha.Amount{}.PHA(), Escrow: pha.Amount{}.PHA()}
	if a, err := e.c.Account(ctx, keys.BondAccount); err == nil {
		v.Bonded = a.Balance.PHA()
	}
	if a, err := e.c.Account(ctx, agents.EscrowAccount); err == nil {
		v.Escrow = a.Balance.PHA()
	}
	return v, nil
}

func (e *Explorer) apiSupply(r *http.Request) (any, error) { return e.supply(r.Context()) }
