package dao

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Query paths under /dao/.
const (
	QueryParams    = "params"    // params -> Params
	QueryProposals = "proposals" // proposals -> []Proposal
	QueryProposal  = "proposal"  // proposal/<id> -> Proposal (with the live count while voting)
	QueryWeight    = "weight"    // weight/<address> -> Weight
)

// Weight is what `/dao/weight/<address>` answers.
type Weight struct {
	Address   address.Address `json:"address"`
	Locked    pha.Amount      `json:"locked"`
	Staked    pha.Amount      `json:"staked"`
	Weight    pha.Amount      `json:"weight"`
	Unlocking []Unlocking     `json:"unlocking"`
	// Total is the total voting weight now.
	Total pha.Amount `json:"total"`
}

// ParamsPath is the query path of the dao params.
func ParamsPath() string { return "/" + Name + "/" + QueryParams }

// ProposalsPath is the query path of every proposal, in id order.
func ProposalsPath() string { return "/" + Name + "/" + QueryProposals }

// ProposalPath is the query path of one proposal.
func ProposalPath(id uint64) string {
	return "/" + Name + "/" + QueryProposal + "/" + strconv.FormatUint(id, 10)
}

// WeightPath is the query path of an account's voting weight.
func WeightPath(a address.Address) string { return "/" + Name + "/" + QueryWeight + "/" + a.String() }

// query answers the paths above.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	switch {
	case path == QueryParams:
		return json.Marshal(m.Keeper.Params(kv))
	case path == QueryProposals:
		return json.Marshal(m.Keeper.Proposals(kv))
	case strings.HasPrefix(path, QueryProposal+"/"):
		return m.queryProposal(kv, path)
	case strings.HasPrefix(path, QueryWeight+"/"):
		a, err := address.Parse(strings.TrimPrefix(path, QueryWeight+"/"))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", tx.ErrNotFound, err)
		}
		w := Weight{Address: a, Unlocking: m.Keeper.Unlockings(kv, a), Total: m.TotalWeight(kv)}
		w.Locked, w.Staked, w.Weight = m.VotingWeight(kv, a)
		return json.Marshal(w)
	}
	return nil, fmt.Errorf("%w: query path /dao/%s", tx.ErrNotFound, path)
}

func (m *Module) queryProposal(kv state.KV, path string) ([]byte, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(path, QueryProposal+"/"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: proposal id %q", tx.ErrNotFound, path)
	}
	p, ok := m.Keeper.Proposal(kv, id)
	if !ok {
		return nil, fmt.Errorf("%w: proposal %d", ErrUnknownProposal, id)
	}
	if p.Status == StatusVoting {
		t, err := m.Count(kv, id)
		if err != nil {
			return nil, err
		}
		p.Tally = &t
	}
	return json.Marshal(p)
}
