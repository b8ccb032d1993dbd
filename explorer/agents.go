package explorer

import (
	"fmt"
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
	var as []jsonAgent
	if err := e.query(r.Context(), agents.ListPath(), &as); err != nil {
		return nil, err
	}
	out := agentsView{Agents: []agentView{}}
	for _, a := range as {
		out.Agents = append(out.Agents, agentOf(a))
	}
	return out, nil
}

type agentDetail struct {
	agentView
	Code *codeView   `json:"code,omitempty"`
	Txs  []txSummary `json:"txs"`
}

func (e *Explorer) apiAgent(r *http.Request) (any, error) {
	ctx := r.Context()
	id := normHex(r.PathValue("id"))
	if !isHex(id, 32) {
		return nil, fmt.Errorf("%w: an agent id is 64 hex characters", errBadRequest)
	}
	var a jsonAgent
	if err := e.query(ctx, agents.AgentPath(hexID(id)), &a); err != nil {
		return nil, err
	}
	d := agentDetail{agentView: agentOf(a)}
	if code, err := e.code(ctx, a.Code); err == nil {
		d.Code = &code
	}
	dep, _, err := e.searchTxs(ctx, agents.EventDeployed+"."+agents.AttrAgent+"="+quote(id), 3)
	if err != nil {
		return nil, err
	}
	upd, _, err := e.searchTxs(ctx, agents.EventUpdated+"."+agents.AttrAgent+"="+quote(id), 30)
	if err != nil {
		return nil, err
	}
	d.Txs = sortTxs(append(dep, upd...), 30)
	return d, nil
}
