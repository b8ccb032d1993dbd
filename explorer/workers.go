package explorer

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

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
	// RejoinHeight and ExcludedForCause: keys.Gatekeeper's.
	RejoinHeight     int64  `json:"rejoin_height,omitempty"`
	ExcludedForCause string `json:"excluded_for_cause,omitempty"`
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
	_ = e.query(ctx, registry.ParamsPath(), &wc.params)
	wc.keys, _ = e.keysState(ctx)
	_ = e.query(ctx, clusters.ListPath(), &wc.cls)
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
	if err := e.query(ctx, registry.WorkersPath(), &ws); err != nil {
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
	id, w, err := byHexID[jsonWorker](e, r, "a worker", registry.WorkerPath)
	if err != nil {
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
	regs, _, err := e.searchTxs(ctx, eventQuery(registry.EventRegistered, registry.AttrWorker, id), 10)
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
	v := gatekeeperView{Worker: hx(g.Worker), Added: g.Added, HoldsMasterKey: g.Holds, Bonded: g.Bonded.PHA(), Unbonding: []unbondingView{},
		RejoinHeight: g.RejoinHeight, ExcludedForCause: g.ExcludedForCause}
	for _, u := range g.Unbonding {
		v.Unbonding = append(v.Unbonding, unbondingView{Amount: u.Amount.PHA(), Release: u.Release})
	}
	return v
}

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
