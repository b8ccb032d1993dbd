package agenthost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
)

// decodedMax bounds the values one decodedCache keeps; past it the cache
// starts again empty (a miss only costs a decode).
const decodedMax = 1024

// decodedCache keeps, per key, a value decoded from a chain record with
// the record it came from: every call reads the same few records (its
// agent, the params, the caller's hold), which change at most once a
// block, so a call whose record is unchanged gets the kept value instead
// of decoding the JSON again. Callers must not modify what get returns.
type decodedCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]decodedValue[V]
}

// decodedValue is one kept value and the record it was decoded from.
type decodedValue[V any] struct {
	raw []byte
	v   V
}

// get returns the value of record raw under key k, decoding it only when
// the kept one came from another record.
func (c *decodedCache[K, V]) get(k K, raw []byte, decode func([]byte) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.v, nil
	}
	v, err := decode(raw)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodedMax {
		c.m = map[K]decodedValue[V]{}
	}
	c.m[k] = decodedValue[V]{raw: raw, v: v}
	c.mu.Unlock()
	return v, nil
}

// records are the chain records every agent call decodes, kept decoded
// (decodedCache).
type records struct {
	// agents are an agent's agent and contract records, by agent and
	// the height they were proven at (the contract record is read at the
	// agent record's height).
	agents decodedCache[agentAt, agentRecs]
	params decodedCache[struct{}, agents.Params]
	holds  decodedCache[address.Address, agents.Hold]
}

// agentAt names an agent's records at one height.
type agentAt struct {
	id     [32]byte
	height int64
}

// agentRecs are one agent's two records.
type agentRecs struct {
	agent    agents.Agent
	contract contracts.Contract
}

// get returns agent id's records at height h, rawAgent being its agent
// record as read there; contract reads its contract record at h, and is
// called only when they are not decoded yet.
func (r *records) get(id [32]byte, h int64, rawAgent []byte, contract func() ([]byte, error)) (agents.Agent, contracts.Contract, error) {
	recs, err := r.agents.get(agentAt{id, h}, rawAgent, func(raw []byte) (agentRecs, error) {
		var d agentRecs
		if err := json.Unmarshal(raw, &d.agent); err != nil {
			return d, fmt.Errorf("enclave: agent %x: record: %w", id, err)
		}
		rawContract, err := contract()
		if err != nil {
			return d, err
		}
		if err := json.Unmarshal(rawContract, &d.contract); err != nil {
			return d, fmt.Errorf("enclave: agent %x: contract record: %w", id, err)
		}
		return d, nil
	})
	return recs.agent, recs.contract, err
}

// agentParams returns the module's parameters from raw, their record as
// read.
func (r *records) agentParams(raw []byte) (agents.Params, error) {
	return r.params.get(struct{}{}, raw, func(raw []byte) (agents.Params, error) {
		var p agents.Params
		if err := json.Unmarshal(raw, &p); err != nil {
			return p, fmt.Errorf("enclave: agent params: %w", err)
		}
		return p, nil
	})
}

// hold returns who's hold from raw, its record as read.
func (r *records) hold(who address.Address, raw []byte) (agents.Hold, error) {
	return r.holds.get(who, raw, func(raw []byte) (agents.Hold, error) {
		var h agents.Hold
		if err := json.Unmarshal(raw, &h); err != nil {
			return h, fmt.Errorf("enclave: hold of %s: %w", who, err)
		}
		return h, nil
	})
}
