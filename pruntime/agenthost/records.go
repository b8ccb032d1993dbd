package agenthost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
)

// recordsMax bounds the agents records keeps decoded records of; past it
// the set starts again empty (a miss only costs a decode).
const recordsMax = 1024

// records keeps each agent's agent and contract records as last decoded,
// with the height they were proven at: every call reads both, and a
// proven value of a height never changes, so calls decode them once per
// block instead of once each. Callers must not modify what get returns.
type records struct {
	mu sync.Mutex
	m  map[[32]byte]*decodedRecords
	// params are the module's parameters as last decoded, and their
	// record as read.
	params    agents.Params
	rawParams []byte
}

// decodedRecords are one agent's records proven at height.
type decodedRecords struct {
	height   int64
	raw      []byte // the agent record as read
	agent    agents.Agent
	contract contracts.Contract
}

// get returns agent id's records at height h, rawAgent being its agent
// record as read there; contract reads its contract record at h, and is
// called only when they are not decoded yet.
func (r *records) get(id [32]byte, h int64, rawAgent []byte, contract func() ([]byte, error)) (agents.Agent, contracts.Contract, error) {
	r.mu.Lock()
	d, ok := r.m[id]
	r.mu.Unlock()
	if ok && d.height == h && bytes.Equal(d.raw, rawAgent) {
		return d.agent, d.contract, nil
	}
	d = &decodedRecords{height: h, raw: rawAgent}
	if err := json.Unmarshal(rawAgent, &d.agent); err != nil {
		return agents.Agent{}, contracts.Contract{}, fmt.Errorf("enclave: agent %x: record: %w", id, err)
	}
	raw, err := contract()
	if err != nil {
		return d.agent, contracts.Contract{}, err
	}
	if err := json.Unmarshal(raw, &d.contract); err != nil {
		return d.agent, contracts.Contract{}, fmt.Errorf("enclave: agent %x: contract record: %w", id, err)
	}
	r.mu.Lock()
	if r.m == nil || len(r.m) >= recordsMax {
		r.m = map[[32]byte]*decodedRecords{}
	}
	r.m[id] = d
	r.mu.Unlock()
	return d.agent, d.contract, nil
}

// agentParams returns the module's parameters from raw, their record as
// read, decoding it only when it differs from the last one decoded.
func (r *records) agentParams(raw []byte) (agents.Params, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rawParams != nil && bytes.Equal(r.rawParams, raw) {
		return r.params, nil
	}
	var p agents.Params
	if err := json.Unmarshal(raw, &p); err != nil {
		return agents.Params{}, fmt.Errorf("enclave: agent params: %w", err)
	}
	r.params, r.rawParams = p, raw
	return p, nil
}
