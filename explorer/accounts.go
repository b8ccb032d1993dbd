package explorer

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

type accountTx struct {
	txSummary
	// Direction is "out" (sent by the account), "in" (a transfer to it) or
	// "self".
	Direction string `json:"direction"`
}

type accountView struct {
	Address   string      `json:"address"`
	Label     string      `json:"label,omitempty"`
	Balance   string      `json:"balance"`
	Units     string      `json:"balance_units"`
	Nonce     uint64      `json:"nonce"`
	Escrow    string      `json:"agent_escrow"`
	Sent      int         `json:"sent_count"`
	Received  int         `json:"received_count"`
	Txs       []accountTx `json:"txs"`
	Workers   []string    `json:"workers"`
	Clusters  []string    `json:"clusters"`
	Contracts []string    `json:"contracts"`
	Agents    []string    `json:"agents"`
}

// moduleLabels names the module accounts.
var moduleLabels = map[address.Address]string{
	balances.Treasury:    "treasury (module account)",
	balances.SubsidyPool: "computation subsidy pool (module account)",
	keys.BondAccount:     "gatekeeper bonds (module account)",
	agents.EscrowAccount: "agent escrow (module account)",
}

func (e *Explorer) apiAccount(r *http.Request) (any, error) {
	ctx := r.Context()
	addr, err := address.Parse(strings.TrimSpace(r.PathValue("addr")))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	a, err := e.c.Account(ctx, addr)
	if err != nil {
		return nil, err
	}
	s := addr.String()
	v := accountView{Address: s, Label: moduleLabels[addr], Balance: a.Balance.PHA(), Units: a.Balance.String(), Nonce: a.Nonce,
		Workers: []string{}, Clusters: []string{}, Contracts: []string{}, Agents: []string{}}
	var esc agents.EscrowView
	if err := e.query(ctx, agents.EscrowPath(addr), &esc); err == nil {
		v.Escrow = esc.Balance.PHA()
	}
	const limit = 40
	sent, nSent, err := e.searchTxs(ctx, "tx.sender="+quote(s), limit)
	if err != nil {
		return nil, err
	}
	recv, nRecv, err := e.searchTxs(ctx, "transfer.recipient="+quote(s), limit)
	if err != nil {
		return nil, err
	}
	v.Sent, v.Received = nSent, nRecv
	inbound := map[string]bool{}
	for _, t := range recv {
		inbound[t.Hash] = true
	}
	v.Txs = []accountTx{}
	for _, t := range sortTxs(append(sent, recv...), limit) {
		dir := "out"
		switch {
		case t.Sender == s && inbound[t.Hash]:
			dir = "self"
		case t.Sender != s:
			dir = "in"
		}
		v.Txs = append(v.Txs, accountTx{txSummary: t, Direction: dir})
	}
	var ws []jsonWorker
	if e.query(ctx, registry.WorkersPath(), &ws) == nil {
		for _, w := range ws {
			if w.Operator == addr {
				v.Workers = append(v.Workers, w.ID.String())
			}
		}
	}
	var cls []jsonCluster
	if e.query(ctx, clusters.ListPath(), &cls) == nil {
		for _, c := range cls {
			if c.Owner == addr {
				v.Clusters = append(v.Clusters, hx(c.ID))
			}
		}
	}
	var cs []jsonContract
	if e.query(ctx, contracts.ListPath(), &cs) == nil {
		for _, c := range cs {
			if c.Owner != addr {
				continue
			}
			if c.Kind == kindAgent {
				v.Agents = append(v.Agents, hx(c.ID))
			} else {
				v.Contracts = append(v.Contracts, hx(c.ID))
			}
		}
	}
	return v, nil
}
