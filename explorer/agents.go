package explorer

import (
	"net/http"

	"github.com/phalanetwork/phala/modules/agents"
)

type agentView struct {
	ID       string        `json:"id"`
	Owner    string        `json:"owner"`
	Cluster  string        `json:"cluster"`
	CodeHash string        `json:"code_hash"`
	Versions []versionView `json:"versions"`
	Policy   policyView    `json:"policy"`
	Price    string        `json:"price"`
	Paused   bool          `json:"paused"`
	// SecretsSet says whether the owner stored sealed secrets; the sealed
	// bytes themselves are never shown.
	SecretsSet   bool   `json:"secrets_set"`
	SecretsEpoch uint64 `json:"secrets_epoch"`
	Calls        uint64 `json:"calls"`
	Fees         string `json:"fees"`
	KeyEpoch     uint64 `json:"key_epoch"`
	SignKey      string `json:"sign_pubkey"`
	ECDHKey      string `json:"ecdh_pubkey"`
	Created      int64  `json:"created_height"`
}

func agentOf(a jsonAgent) agentView {
	return agentView{ID: hx(a.ID), Owner: a.Owner.String(), Cluster: hx(a.Cluster), CodeHash: hx(a.Code), Versions: versionsOf(a.Versions),
		Policy: policyOf(a.Policy), Price: a.Price.PHA(), Paused: a.Paused, SecretsSet: len(a.Secrets) > 0, SecretsEpoch: a.SecretsEpoch,
		Calls: a.Calls, Fees: a.Fees.PHA(), KeyEpoch: a.KeyEpoch, SignKey: hx(a.SignKey), ECDHKey: hx(a.ECDHKey), Created: a.Created}
}

type agentsView struct {
	Agents []agentView `json:"agents"`
}

func (e *Explorer) apiAgents(r *http.Request) (any, error) {
	list, err := listOf(r.Context(), e, agents.ListPath(), agentOf)
	if err != nil {
		return nil, err
	}
	return agentsView{Agents: list}, nil
}

type agentDetail struct {
	agentView
	Code *codeView   `json:"code,omitempty"`
	Txs  []txSummary `json:"txs"`
}

func (e *Explorer) apiAgent(r *http.Request) (any, error) {
	ctx := r.Context()
	id, a, err := byHexID[jsonAgent](e, r, "an agent", agents.AgentPath)
	if err != nil {
		return nil, err
	}
	d := agentDetail{agentView: agentOf(a)}
	if code, err := e.code(ctx, a.Code); err == nil {
		d.Code = &code
	}
	dep, _, err := e.searchTxs(ctx, eventQuery(agents.EventDeployed, agents.AttrAgent, id), 3)
	if err != nil {
		return nil, err
	}
	upd, _, err := e.searchTxs(ctx, eventQuery(agents.EventUpdated, agents.AttrAgent, id), 30)
	if err != nil {
		return nil, err
	}
	d.Txs = sortTxs(append(dep, upd...), 30)
	return d, nil
}
