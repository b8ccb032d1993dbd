package explorer

import (
	"net/http"

	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

type clusterView struct {
	ID         string   `json:"id"`
	Owner      string   `json:"owner"`
	Members    []string `json:"members"`
	Epoch      uint64   `json:"epoch"`
	Generation uint64   `json:"generation"`
	SignKey    string   `json:"sign_pubkey"`
	ECDHKey    string   `json:"ecdh_pubkey"`
	Holders    []string `json:"holders"`
	Created    int64    `json:"created_height"`
	Contracts  int      `json:"contracts"`
	Agents     int      `json:"agents"`
}

func clusterOf(c jsonCluster) clusterView {
	v := clusterView{ID: hx(c.ID), Owner: c.Owner.String(), Members: []string{}, Epoch: c.Epoch, Generation: c.Generation,
		SignKey: hx(c.SignKey), ECDHKey: hx(c.ECDHKey), Holders: []string{}, Created: c.Created}
	for _, m := range c.Members {
		v.Members = append(v.Members, hx(m))
	}
	for _, m := range c.Holders {
		v.Holders = append(v.Holders, hx(m))
	}
	return v
}

type clustersView struct {
	Clusters []clusterView `json:"clusters"`
}

func (e *Explorer) apiClusters(r *http.Request) (any, error) {
	ctx := r.Context()
	list, err := listOf(ctx, e, clusters.ListPath(), func(c jsonCluster) clusterView {
		v := clusterOf(c)
		var cs []jsonContract
		if e.query(ctx, contracts.ClusterContractsPath(id32(c.ID)), &cs) == nil {
			for _, c := range cs {
				if c.Kind == kindAgent {
					v.Agents++
				} else {
					v.Contracts++
				}
			}
		}
		return v
	})
	if err != nil {
		return nil, err
	}
	return clustersView{Clusters: list}, nil
}

type clusterDetail struct {
	clusterView
	Workers      []workerView   `json:"workers"`
	ContractList []contractView `json:"contract_list"`
	AgentList    []agentView    `json:"agent_list"`
	Txs          []txSummary    `json:"txs"`
}

func (e *Explorer) apiCluster(r *http.Request) (any, error) {
	ctx := r.Context()
	id, c, err := byHexID[jsonCluster](e, r, "a cluster", clusters.ClusterPath)
	if err != nil {
		return nil, err
	}
	d := clusterDetail{clusterView: clusterOf(c), Workers: []workerView{}, ContractList: []contractView{}, AgentList: []agentView{}}
	wc := e.workerContext(ctx)
	var eps []string
	for _, m := range c.Members {
		var w jsonWorker
		if e.query(ctx, registry.WorkerPath(registry.WorkerID(id32(m))), &w) == nil {
			d.Workers = append(d.Workers, wc.view(w))
			eps = append(eps, w.Endpoint)
		}
	}
	for i, on := range e.probe.many(ctx, eps) {
		d.Workers[i].Online = on
	}
	var cs []jsonContract
	if e.query(ctx, contracts.ClusterContractsPath(hexID(id)), &cs) == nil {
		for _, c := range cs {
			if c.Kind == kindAgent {
				var a jsonAgent
				if e.query(ctx, agents.AgentPath(id32(c.ID)), &a) == nil {
					d.AgentList = append(d.AgentList, agentOf(a))
				}
				continue
			}
			d.ContractList = append(d.ContractList, contractOf(c))
		}
	}
	d.Contracts, d.Agents = len(d.ContractList), len(d.AgentList)
	created, _, _ := e.searchTxs(ctx, eventQuery(clusters.EventCreated, clusters.AttrCluster, id), 5)
	members, _, _ := e.searchTxs(ctx, eventQuery(clusters.EventMember, clusters.AttrCluster, id), 20)
	d.Txs = sortTxs(append(created, members...), 25)
	return d, nil
}
