package explorer

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// The app's JSON answers are decoded into the modules' own types; the
// explorer's answers are the view types below, filled field by field.
type (
	jsonWorker   = registry.Worker
	jsonCluster  = clusters.Cluster
	jsonContract = contracts.Contract
)

// jsonAgent is /agents/agent/<id> with the versions typed.
type jsonAgent struct {
	agents.Agent
	Cluster  keys.Hex            `json:"cluster"`
	Code     keys.Hex            `json:"code_hash"`
	Versions []contracts.Version `json:"versions"`
	KeyEpoch uint64              `json:"key_epoch"`
	SignKey  keys.Hex            `json:"sign_pubkey"`
	ECDHKey  keys.Hex            `json:"ecdh_pubkey"`
}

const kindAgent = contracts.KindAgent

// ---- accounts ----

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
	if err := e.query(ctx, "/agents/escrow/"+s, &esc); err == nil {
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
	if e.query(ctx, "/registry/workers", &ws) == nil {
		for _, w := range ws {
			if w.Operator == addr {
				v.Workers = append(v.Workers, w.ID.String())
			}
		}
	}
	var cls []jsonCluster
	if e.query(ctx, "/clusters/list", &cls) == nil {
		for _, c := range cls {
			if c.Owner == addr {
				v.Clusters = append(v.Clusters, hx(c.ID))
			}
		}
	}
	var cs []jsonContract
	if e.query(ctx, "/contracts/list", &cs) == nil {
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

// ---- workers ----

type workerView struct {
	ID                 string   `json:"id"`
	Operator           string   `json:"operator"`
	TEE                string   `json:"tee"`
	Measurement        string   `json:"measurement"`
	MeasurementAllowed bool     `json:"measurement_allowed"`
	MeasurementNote    string   `json:"measurement_note,omitempty"`
	Version            uint32   `json:"version"`
	Features           []string `json:"features"`
	BenchmarkScore     uint64   `json:"benchmark_score"`
	RegisteredHeight   int64    `json:"registered_height"`
	AttestedHeight     int64    `json:"attested_height"`
	Endpoint           string   `json:"endpoint"`
	EndpointHeight     int64    `json:"endpoint_height"`
	ECDHKey            string   `json:"ecdh_pubkey"`
	Gatekeeper         bool     `json:"gatekeeper"`
	HoldsMasterKey     bool     `json:"holds_master_key"`
	Clusters           []string `json:"clusters"`
	// Online is the answer of the worker's /readyz a moment ago (null: no
	// endpoint).
	Online *bool `json:"online"`
}

type gatekeeperView struct {
	Worker         string          `json:"worker"`
	Operator       string          `json:"operator,omitempty"`
	Added          int64           `json:"added_height"`
	HoldsMasterKey bool            `json:"holds_master_key"`
	Bonded         string          `json:"bonded"`
	Unbonding      []unbondingView `json:"unbonding"`
}

type unbondingView struct {
	Amount  string `json:"amount"`
	Release int64  `json:"release_height"`
}

type attestationView struct {
	// Verified: the chain checked the attestation (quote, measurement,
	// report data, freshness) when it executed the registration.
	Verified    bool   `json:"verified"`
	Tx          string `json:"tx,omitempty"`
	Height      int64  `json:"height"`
	MaxAge      int64  `json:"max_attestation_age"`
	Simulated   bool   `json:"simulated"`
	AllowListed bool   `json:"measurement_allow_listed"`
}

type workerDetail struct {
	workerView
	GatekeeperInfo *gatekeeperView `json:"gatekeeper_info,omitempty"`
	Attestation    attestationView `json:"attestation"`
	Registrations  []txSummary     `json:"registrations"`
	Activity       []txSummary     `json:"activity"`
}

type workerContext struct {
	params registry.Params
	keys   keys.State
	cls    []jsonCluster
}

func (e *Explorer) workerContext(ctx context.Context) workerContext {
	var wc workerContext
	_ = e.query(ctx, "/registry/params", &wc.params)
	wc.keys, _ = e.keysState(ctx)
	_ = e.query(ctx, "/clusters/list", &wc.cls)
	return wc
}

func (wc workerContext) view(w jsonWorker) workerView {
	v := workerView{ID: w.ID.String(), Operator: w.Operator.String(), TEE: string(w.TEE), Measurement: hx(w.Measurement),
		Version: w.Version, Features: append([]string{}, w.Features...), BenchmarkScore: w.BenchmarkScore,
		RegisteredHeight: w.RegisteredHeight, AttestedHeight: w.AttestedHeight, Endpoint: w.Endpoint, EndpointHeight: w.EndpointHeight,
		ECDHKey: hx(w.ECDHKey), Clusters: []string{}}
	for _, m := range wc.params.Measurements {
		if m.TEE == w.TEE && string(m.Value) == string(w.Measurement) {
			v.MeasurementAllowed, v.MeasurementNote = true, m.Note
		}
	}
	for _, g := range wc.keys.Gatekeepers {
		if string(g.Worker) == string(w.ID[:]) {
			v.Gatekeeper, v.HoldsMasterKey = true, g.Holds
		}
	}
	for _, c := range wc.cls {
		if c.IsMember(w.ID) {
			v.Clusters = append(v.Clusters, hx(c.ID))
		}
	}
	return v
}

type workersView struct {
	Workers      []workerView  `json:"workers"`
	AllowSimTEE  bool          `json:"allow_sim_tee"`
	Measurements []measureView `json:"measurements"`
}

type measureView struct {
	TEE   string `json:"tee"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

func (e *Explorer) apiWorkers(r *http.Request) (any, error) {
	ctx := r.Context()
	var ws []jsonWorker
	if err := e.query(ctx, "/registry/workers", &ws); err != nil {
		return nil, err
	}
	wc := e.workerContext(ctx)
	out := workersView{Workers: []workerView{}, AllowSimTEE: wc.params.AllowSimTEE, Measurements: []measureView{}}
	for _, m := range wc.params.Measurements {
		out.Measurements = append(out.Measurements, measureView{TEE: string(m.TEE), Value: hx(m.Value), Note: m.Note})
	}
	eps := make([]string, len(ws))
	for i, w := range ws {
		out.Workers = append(out.Workers, wc.view(w))
		eps[i] = w.Endpoint
	}
	online := e.probe.many(ctx, eps)
	for i := range out.Workers {
		out.Workers[i].Online = online[i]
	}
	return out, nil
}

func (e *Explorer) apiWorker(r *http.Request) (any, error) {
	ctx := r.Context()
	id := normHex(r.PathValue("id"))
	if !isHex(id, 32) {
		return nil, fmt.Errorf("%w: a worker id is 64 hex characters", errBadRequest)
	}
	var w jsonWorker
	if err := e.query(ctx, "/registry/worker/"+id, &w); err != nil {
		return nil, err
	}
	wc := e.workerContext(ctx)
	d := workerDetail{workerView: wc.view(w), Registrations: []txSummary{}, Activity: []txSummary{}}
	d.Online = e.probe.many(ctx, []string{w.Endpoint})[0]
	for _, g := range wc.keys.Gatekeepers {
		if string(g.Worker) == string(w.ID[:]) {
			gv := gatekeeperOf(g)
			gv.Operator = w.Operator.String()
			d.GatekeeperInfo = &gv
		}
	}
	regs, _, err := e.searchTxs(ctx, registry.EventRegistered+"."+registry.AttrWorker+"="+quote(id), 10)
	if err != nil {
		return nil, err
	}
	d.Registrations = regs
	d.Attestation = attestationView{Height: w.AttestedHeight, MaxAge: wc.params.MaxAttestationAge, Simulated: w.TEE == "sim", AllowListed: d.MeasurementAllowed}
	for _, t := range regs {
		if t.OK {
			// The newest successful registration is the record's.
			d.Attestation.Verified, d.Attestation.Tx = true, t.Hash
			break
		}
	}
	if act, _, err := e.searchTxs(ctx, "mq_message.origin="+quote("worker/"+id), 15); err == nil {
		d.Activity = act
	}
	return d, nil
}

func gatekeeperOf(g keys.Gatekeeper) gatekeeperView {
	v := gatekeeperView{Worker: hx(g.Worker), Added: g.Added, HoldsMasterKey: g.Holds, Bonded: g.Bonded.PHA(), Unbonding: []unbondingView{}}
	for _, u := range g.Unbonding {
		v.Unbonding = append(v.Unbonding, unbondingView{Amount: u.Amount.PHA(), Release: u.Release})
	}
	return v
}

// ---- gatekeepers and keys ----

func (e *Explorer) keysState(ctx context.Context) (keys.State, error) {
	var s keys.State
	err := e.query(ctx, "/keys/state", &s)
	return s, err
}

type genView struct {
	Generation uint64   `json:"generation"`
	SignKey    string   `json:"sign_pubkey"`
	ECDHKey    string   `json:"ecdh_pubkey"`
	Height     int64    `json:"height"`
	CreatedBy  string   `json:"created_by"`
	Excluded   []string `json:"excluded"`
}

func genOf(g keys.Generation) genView {
	v := genView{Generation: g.Number, SignKey: hx(g.SignKey), ECDHKey: hx(g.ECDHKey), Height: g.Height, CreatedBy: hx(g.CreatedBy), Excluded: []string{}}
	for _, x := range g.Excluded {
		v.Excluded = append(v.Excluded, hx(x))
	}
	return v
}

type rotationView struct {
	Round      uint64   `json:"round"`
	Generation uint64   `json:"generation"`
	Phase      string   `json:"phase"`
	Members    []string `json:"members"`
	Started    int64    `json:"started_height"`
	Deadline   int64    `json:"deadline_height"`
	Committed  int      `json:"committed"`
	Revealed   int      `json:"revealed"`
	Confirmed  int      `json:"confirmed"`
}

type timelineEntry struct {
	Height int64             `json:"height"`
	Time   time.Time         `json:"time,omitzero"`
	Event  string            `json:"event"`
	Phase  string            `json:"phase,omitempty"`
	Attrs  map[string]string `json:"attrs"`
	Tx     string            `json:"tx,omitempty"`
	seq    int               // order of emission within a block
}

type keysView struct {
	Height         int64            `json:"height"`
	Authority      string           `json:"authority"`
	Current        *genView         `json:"current"`
	History        []genView        `json:"history"`
	Gatekeepers    []gatekeeperView `json:"gatekeepers"`
	Rotation       string           `json:"rotation"`
	Running        *rotationView    `json:"running"`
	ResumeHeight   int64            `json:"resume_height"`
	ResumeDelay    int64            `json:"resume_delay"`
	Paused         bool             `json:"key_traffic_paused"`
	PauseReason    string           `json:"pause_reason,omitempty"`
	Params         keys.Params      `json:"params"`
	CommittedAhead []string         `json:"committed_ahead"`
	BondAccount    string           `json:"bond_account"`
	Timeline       []timelineEntry  `json:"timeline"`
}

func (e *Explorer) apiKeys(r *http.Request) (any, error) {
	ctx := r.Context()
	st, err := e.c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	s, err := e.keysState(ctx)
	if err != nil {
		return nil, err
	}
	height := st.SyncInfo.LatestBlockHeight
	v := keysView{Height: height, Authority: s.Authority.String(), History: []genView{}, Gatekeepers: []gatekeeperView{}, Rotation: s.Rotation,
		ResumeHeight: s.ResumeHeight, ResumeDelay: keys.ResumeDelay, Params: s.Params, CommittedAhead: []string{}, BondAccount: s.BondAccount.String(),
		Timeline: []timelineEntry{}}
	if s.Generation != nil {
		g := genOf(*s.Generation)
		v.Current = &g
	}
	for _, g := range s.History {
		v.History = append(v.History, genOf(g))
	}
	var ws []jsonWorker
	_ = e.query(ctx, "/registry/workers", &ws)
	for _, g := range s.Gatekeepers {
		gv := gatekeeperOf(g)
		for _, w := range ws {
			if string(w.ID[:]) == string(g.Worker) {
				gv.Operator = w.Operator.String()
			}
		}
		v.Gatekeepers = append(v.Gatekeepers, gv)
	}
	for _, id := range s.CommittedAhead {
		v.CommittedAhead = append(v.CommittedAhead, hx(id))
	}
	if r := s.Running; r != nil {
		rv := rotationView{Round: r.Round, Generation: r.Generation, Phase: r.Phase, Members: []string{}, Started: r.Started, Deadline: r.Deadline}
		for i, m := range r.Members {
			rv.Members = append(rv.Members, hx(m))
			if i < len(r.Commitments) && len(r.Commitments[i]) > 0 {
				rv.Committed++
			}
			if i < len(r.Revealed) && r.Revealed[i] {
				rv.Revealed++
			}
			if i < len(r.SignKeys) && len(r.SignKeys[i]) > 0 {
				rv.Confirmed++
			}
		}
		v.Running = &rv
		v.Paused, v.PauseReason = true, fmt.Sprintf("rotation round %d in its %s phase", r.Round, r.Phase)
	} else if height < s.ResumeHeight {
		v.Paused, v.PauseReason = true, fmt.Sprintf("key traffic resumes at height %d (%d blocks after the rotation ended)", s.ResumeHeight, keys.ResumeDelay)
	}
	v.Timeline = e.keyTimeline(ctx)
	return v, nil
}

// keyTimeline gathers the key events, newest first: rotations (from
// transactions and from end-block), generations and gatekeeper changes.
func (e *Explorer) keyTimeline(ctx context.Context) []timelineEntry {
	var out []timelineEntry
	for _, q := range []struct{ event, query string }{
		{keys.EventRotation, keys.EventRotation + ".phase EXISTS"},
		{keys.EventGeneration, keys.EventGeneration + "." + keys.AttrGeneration + " EXISTS"},
		{keys.EventGatekeeperAdded, keys.EventGatekeeperAdded + "." + keys.AttrWorker + " EXISTS"},
	} {
		res, err := e.searchTxResults(ctx, q.query, 25)
		if err != nil {
			continue
		}
		for _, r := range res {
			h := fmt.Sprintf("%X", r.Tx.Hash())
			for i, ev := range viewEvents(r.TxResult.Events) {
				if ev.Type == q.event {
					en := entryOf(r.Height, ev, h)
					en.seq = int(r.Index)<<16 | i
					out = append(out, en)
				}
			}
		}
	}
	page, per := 1, 15
	if bs, err := e.c.RPC.BlockSearch(ctx, keys.EventRotation+".phase EXISTS", &page, &per, "desc"); err == nil {
		for _, b := range bs.Blocks {
			h := b.Block.Height
			res, err := e.c.RPC.BlockResults(ctx, &h)
			if err != nil {
				continue
			}
			for i, ev := range viewEvents(res.FinalizeBlockEvents) {
				if ev.Type == keys.EventRotation {
					en := entryOf(h, ev, "")
					en.seq = 1<<30 | i // end-block events follow the block's transactions
					out = append(out, en)
				}
			}
		}
	}
	// Newest first, and within a block the later event first. The index
	// of an event among its transaction's (or block's) events orders it.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Height != out[j].Height {
			return out[i].Height > out[j].Height
		}
		return out[i].seq > out[j].seq
	})
	if len(out) > 40 {
		out = out[:40]
	}
	for i := range out {
		out[i].Time = e.blockTime(ctx, out[i].Height)
	}
	if out == nil {
		out = []timelineEntry{}
	}
	return out
}

func entryOf(height int64, ev eventView, tx string) timelineEntry {
	t := timelineEntry{Height: height, Event: ev.Type, Attrs: map[string]string{}, Tx: tx}
	for _, a := range ev.Attrs {
		if a.Key == "phase" {
			t.Phase = a.Value
			continue
		}
		t.Attrs[a.Key] = a.Value
	}
	return t
}

// ---- clusters, contracts, agents ----

type versionView struct {
	CodeHash  string `json:"code_hash"`
	FromInput uint64 `json:"from_input"`
	Height    int64  `json:"height"`
}

func versionsOf(vs []contracts.Version) []versionView {
	out := []versionView{}
	for _, v := range vs {
		out = append(out, versionView{CodeHash: hx(v.Code), FromInput: v.FromInput, Height: v.Height})
	}
	return out
}

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

type contractView struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Owner        string        `json:"owner"`
	Cluster      string        `json:"cluster"`
	CodeHash     string        `json:"code_hash"`
	Upgradable   bool          `json:"upgradable"`
	Versions     []versionView `json:"versions"`
	KeyEpoch     uint64        `json:"key_epoch"`
	SignKey      string        `json:"sign_pubkey"`
	ECDHKey      string        `json:"ecdh_pubkey"`
	Inputs       uint64        `json:"inputs"`
	Results      uint64        `json:"results"`
	CreatedEpoch uint64        `json:"created_epoch"`
	Created      int64         `json:"created_height"`
}

func contractOf(c jsonContract) contractView {
	return contractView{ID: hx(c.ID), Kind: c.Kind, Owner: c.Owner.String(), Cluster: hx(c.Cluster), CodeHash: hx(c.Code), Upgradable: c.Upgradable,
		Versions: versionsOf(c.Versions), KeyEpoch: c.KeyEpoch, SignKey: hx(c.SignKey), ECDHKey: hx(c.ECDHKey), Inputs: c.Inputs, Results: c.Results,
		CreatedEpoch: c.CreatedEpoch, Created: c.Created}
}

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

type clustersView struct {
	Clusters []clusterView `json:"clusters"`
}

func (e *Explorer) apiClusters(r *http.Request) (any, error) {
	ctx := r.Context()
	var cls []jsonCluster
	if err := e.query(ctx, "/clusters/list", &cls); err != nil {
		return nil, err
	}
	out := clustersView{Clusters: []clusterView{}}
	for _, c := range cls {
		v := clusterOf(c)
		var cs []jsonContract
		if e.query(ctx, "/contracts/cluster/"+v.ID, &cs) == nil {
			for _, c := range cs {
				if c.Kind == kindAgent {
					v.Agents++
				} else {
					v.Contracts++
				}
			}
		}
		out.Clusters = append(out.Clusters, v)
	}
	return out, nil
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
	id := normHex(r.PathValue("id"))
	if !isHex(id, 32) {
		return nil, fmt.Errorf("%w: a cluster id is 64 hex characters", errBadRequest)
	}
	var c jsonCluster
	if err := e.query(ctx, "/clusters/cluster/"+id, &c); err != nil {
		return nil, err
	}
	d := clusterDetail{clusterView: clusterOf(c), Workers: []workerView{}, ContractList: []contractView{}, AgentList: []agentView{}}
	wc := e.workerContext(ctx)
	var eps []string
	for _, m := range c.Members {
		var w jsonWorker
		if e.query(ctx, "/registry/worker/"+hx(m), &w) == nil {
			d.Workers = append(d.Workers, wc.view(w))
			eps = append(eps, w.Endpoint)
		}
	}
	for i, on := range e.probe.many(ctx, eps) {
		d.Workers[i].Online = on
	}
	var cs []jsonContract
	if e.query(ctx, "/contracts/cluster/"+id, &cs) == nil {
		for _, c := range cs {
			if c.Kind == kindAgent {
				var a jsonAgent
				if e.query(ctx, "/agents/agent/"+hx(c.ID), &a) == nil {
					d.AgentList = append(d.AgentList, agentOf(a))
				}
				continue
			}
			d.ContractList = append(d.ContractList, contractOf(c))
		}
	}
	d.Contracts, d.Agents = len(d.ContractList), len(d.AgentList)
	created, _, _ := e.searchTxs(ctx, clusters.EventCreated+"."+clusters.AttrCluster+"="+quote(id), 5)
	members, _, _ := e.searchTxs(ctx, clusters.EventMember+"."+clusters.AttrCluster+"="+quote(id), 20)
	d.Txs = sortTxs(append(created, members...), 25)
	return d, nil
}

type contractsView struct {
	Contracts []contractView `json:"contracts"`
}

func (e *Explorer) apiContracts(r *http.Request) (any, error) {
	var cs []jsonContract
	if err := e.query(r.Context(), "/contracts/list", &cs); err != nil {
		return nil, err
	}
	out := contractsView{Contracts: []contractView{}}
	for _, c := range cs {
		if c.Kind != kindAgent {
			out.Contracts = append(out.Contracts, contractOf(c))
		}
	}
	return out, nil
}

type codeView struct {
	Hash     string `json:"hash"`
	Size     int    `json:"size"`
	Uploader string `json:"uploader"`
	Height   int64  `json:"height"`
}

type resultView struct {
	Input  string `json:"input"`
	OK     bool   `json:"ok"`
	Height int64  `json:"height"`
	Tx     string `json:"tx"`
}

type contractDetail struct {
	contractView
	Code        *codeView    `json:"code,omitempty"`
	InputTxs    []txSummary  `json:"input_txs"`
	ResultList  []resultView `json:"result_list"`
	CreationTxs []txSummary  `json:"creation_txs"`
}

func (e *Explorer) apiContract(r *http.Request) (any, error) {
	ctx := r.Context()
	id := normHex(r.PathValue("id"))
	if !isHex(id, 32) {
		return nil, fmt.Errorf("%w: a contract id is 64 hex characters", errBadRequest)
	}
	var c jsonContract
	if err := e.query(ctx, "/contracts/contract/"+id, &c); err != nil {
		return nil, err
	}
	d := contractDetail{contractView: contractOf(c), InputTxs: []txSummary{}, ResultList: []resultView{}}
	if code, err := e.code(ctx, hx(c.Code)); err == nil {
		d.Code = &code
	}
	var err error
	if d.InputTxs, _, err = e.searchTxs(ctx, contracts.EventInput+"."+contracts.AttrContract+"="+quote(id), 20); err != nil {
		return nil, err
	}
	if d.CreationTxs, _, err = e.searchTxs(ctx, contracts.EventCreated+"."+contracts.AttrContract+"="+quote(id), 3); err != nil {
		return nil, err
	}
	res, err := e.searchTxResults(ctx, contracts.EventResult+"."+contracts.AttrContract+"="+quote(id), 20)
	if err != nil {
		return nil, err
	}
	for _, t := range res {
		for _, ev := range t.TxResult.Events {
			if ev.Type != contracts.EventResult {
				continue
			}
			rv := resultView{Height: t.Height, Tx: fmt.Sprintf("%X", t.Tx.Hash())}
			mine := false
			for _, a := range ev.Attributes {
				switch a.Key {
				case contracts.AttrContract:
					mine = a.Value == id
				case contracts.AttrInput:
					rv.Input = a.Value
				case contracts.AttrOK:
					rv.OK = a.Value == "true"
				}
			}
			if mine {
				d.ResultList = append(d.ResultList, rv)
			}
		}
	}
	return d, nil
}

func (e *Explorer) code(ctx context.Context, hash string) (codeView, error) {
	var c contracts.CodeView
	if err := e.query(ctx, "/contracts/code/"+hash, &c); err != nil {
		return codeView{}, err
	}
	return codeView{Hash: hx(c.Hash), Size: c.Size, Uploader: c.Uploader.String(), Height: c.Height}, nil
}

type agentsView struct {
	Agents []agentView `json:"agents"`
}

func (e *Explorer) apiAgents(r *http.Request) (any, error) {
	var as []jsonAgent
	if err := e.query(r.Context(), "/agents/list", &as); err != nil {
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
	if err := e.query(ctx, "/agents/agent/"+id, &a); err != nil {
		return nil, err
	}
	d := agentDetail{agentView: agentOf(a)}
	if code, err := e.code(ctx, hx(a.Code)); err == nil {
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

// ---- supply ----

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

// ---- search ----

type searchResult struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Route string `json:"route"`
}

// apiSearch resolves ?q= to a page: a height, an address, a transaction
// hash, or the id of a worker, cluster, contract or agent.
func (e *Explorer) apiSearch(r *http.Request) (any, error) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	found := func(kind, id string) (any, error) {
		return searchResult{Kind: kind, ID: id, Route: "#/" + kind + "/" + id}, nil
	}
	if q == "" {
		return nil, fmt.Errorf("%w: empty search", errBadRequest)
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && n > 0 {
		if _, err := e.block(ctx, n); err != nil {
			return nil, err
		}
		return found("block", strconv.FormatInt(n, 10))
	}
	if strings.HasPrefix(strings.ToLower(q), address.Prefix+"1") {
		a, err := address.Parse(strings.ToLower(q))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNotFound, err)
		}
		return found("account", a.String())
	}
	h := normHex(q)
	if !isHex(h, 32) {
		return nil, fmt.Errorf("%w: search by block height, address (pha1…), transaction hash or a 64-hex id", errNotFound)
	}
	raw, _ := hex.DecodeString(h)
	if _, err := e.c.RPC.Tx(ctx, raw, false); err == nil {
		return found("tx", strings.ToUpper(h))
	}
	var w jsonWorker
	if e.query(ctx, "/registry/worker/"+h, &w) == nil {
		return found("worker", h)
	}
	var c jsonCluster
	if e.query(ctx, "/clusters/cluster/"+h, &c) == nil {
		return found("cluster", h)
	}
	var ct jsonContract
	if e.query(ctx, "/contracts/contract/"+h, &ct) == nil {
		if ct.Kind == kindAgent {
			return found("agent", h)
		}
		return found("contract", h)
	}
	if bs, err := e.c.RPC.BlockByHash(ctx, raw); err == nil && bs.Block != nil {
		return found("block", strconv.FormatInt(bs.Block.Height, 10))
	}
	return nil, fmt.Errorf("%w: no transaction, block, worker, cluster, contract or agent %s", errNotFound, h)
}

// ---- worker liveness ----

// prober asks workers' /readyz, caching answers for a few seconds.
type prober struct {
	http *http.Client
	mu   sync.Mutex
	m    map[string]probeResult
}

type probeResult struct {
	at time.Time
	ok bool
}

func newProber() *prober {
	return &prober{http: &http.Client{Timeout: 1500 * time.Millisecond, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, m: map[string]probeResult{}}
}

// many probes endpoints concurrently; an empty or non-HTTP endpoint is nil.
func (p *prober) many(ctx context.Context, endpoints []string) []*bool {
	out := make([]*bool, len(endpoints))
	var wg sync.WaitGroup
	for i, ep := range endpoints {
		u, err := url.Parse(ep)
		if ep == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := p.one(ctx, strings.TrimRight(ep, "/"))
			out[i] = &ok
		}()
	}
	wg.Wait()
	return out
}

func (p *prober) one(ctx context.Context, ep string) bool {
	p.mu.Lock()
	r, ok := p.m[ep]
	p.mu.Unlock()
	if ok && time.Since(r.at) < 5*time.Second {
		return r.ok
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep+"/readyz", nil)
	up := false
	if err == nil {
		if resp, err := p.http.Do(req); err == nil {
			up = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
	}
	p.mu.Lock()
	if len(p.m) > 1024 {
		p.m = map[string]probeResult{}
	}
	p.m[ep] = probeResult{at: time.Now(), ok: up}
	p.mu.Unlock()
	return up
}
