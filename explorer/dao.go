package explorer

import (
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/modules/dao"
)

// proposalView is a DAO proposal as the page shows it: what it does, its
// count (live while voting, final once tallied) and its status.
type proposalView struct {
	ID        uint64 `json:"id"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Proposer  string `json:"proposer"`
	Deposit   string `json:"deposit"`
	Status    string `json:"status"`
	Submitted int64  `json:"submitted_height"`
	VotingEnd int64  `json:"voting_end_height"`
	Enact     int64  `json:"enact_height,omitempty"`
	Yes       string `json:"yes"`
	No        string `json:"no"`
	Abstain   string `json:"abstain"`
	Total     string `json:"total"`
	Voters    int    `json:"voters"`
	Quorum    bool   `json:"quorum"`
	Passed    bool   `json:"passed"`
	Detail    string `json:"detail,omitempty"`
}

func viewOf(p dao.Proposal) proposalView {
	v := proposalView{ID: p.ID, Title: p.Title, Kind: p.Action.Kind, Proposer: p.Proposer.String(), Deposit: p.Deposit.PHA(), Status: p.Status,
		Submitted: p.Submitted, VotingEnd: p.VotingEnd, Enact: p.EnactHeight}
	if t := p.Tally; t != nil {
		v.Yes, v.No, v.Abstain, v.Total, v.Voters, v.Quorum, v.Passed = t.Yes.PHA(), t.No.PHA(), t.Abstain.PHA(), t.Total.PHA(), t.Voters, t.Quorum, t.Passed
	}
	switch a := p.Action; a.Kind {
	case dao.KindSetParam:
		v.Detail = fmt.Sprintf("%s.%s = %s", a.Module, a.Param, a.Value)
	case dao.KindTreasurySpend:
		v.Detail = fmt.Sprintf("%s to %s", a.Amount.PHA(), a.To)
	case dao.KindAddGatekeeper, dao.KindRemoveGatekeeper:
		v.Detail = fmt.Sprintf("worker %x", []byte(a.Worker))
	case dao.KindAllowMeasurement, dao.KindRemoveMeasurement:
		if a.Measurement != nil {
			v.Detail = fmt.Sprintf("%s %x", a.Measurement.TEE, []byte(a.Measurement.Value))
		}
	}
	return v
}

func (e *Explorer) apiProposals(r *http.Request) (any, error) {
	var list []dao.Proposal
	if err := e.query(r.Context(), dao.ProposalsPath(), &list); err != nil {
		return nil, err
	}
	out := struct {
		Proposals []proposalView `json:"proposals"`
	}{Proposals: []proposalView{}}
	for i := len(list) - 1; i >= 0; i-- {
		// The list has no live count; fetch each for it.
		var p dao.Proposal
		if e.query(r.Context(), dao.ProposalPath(list[i].ID), &p) == nil {
			out.Proposals = append(out.Proposals, viewOf(p))
		}
	}
	return out, nil
}

func (e *Explorer) apiProposal(r *http.Request) (any, error) {
	_, p, err := byNumID[dao.Proposal](e, r, "proposal", dao.ProposalPath)
	if err != nil {
		return nil, err
	}
	return viewOf(p), nil
}
