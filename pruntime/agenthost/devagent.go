package agenthost

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/url"
	"sync"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/sandbox"
)

// DevAgent runs an agent on the developer's machine, outside any chain
// and any TEE, with the same handler shapes and host APIs (fetch under the
// same egress policy, llm, an in-memory kv, console to Log); agents.call
// needs a network and fails. It is for phala agent dev.
type DevAgent struct {
	Runtime Runtime
	Secrets map[string]string
	Log     func(level, text string)

	mu   sync.Mutex
	kv   map[string]string
	hash [32]byte
	prog *sandbox.Program
	man  Manifest
}

// DevResponse is a handler's answer.
type DevResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// Call runs code (a bundled module; recompiled when it changes) on one
// request.
func (d *DevAgent) Call(ctx context.Context, code []byte, method, path string, query url.Values, headers map[string]string, body []byte) (DevResponse, error) {
	d.mu.Lock()
	if d.kv == nil {
		d.kv = map[string]string{}
		d.Runtime = d.Runtime.withDefaults()
	}
	if h := sha256.Sum256(code); h != d.hash || d.prog == nil {
		man, err := ParseManifest(code)
		if err != nil {
			d.mu.Unlock()
			return DevResponse{}, err
		}
		p, err := compileAgent(code)
		if err != nil {
			d.mu.Unlock()
			return DevResponse{}, err
		}
		d.prog, d.hash, d.man = p, h, man
	}
	prog, rt, man := d.prog, d.Runtime, d.man
	d.mu.Unlock()
	secret := map[string]any{}
	for k, v := range d.Secrets {
		secret[k] = v
	}
	if query == nil {
		query = url.Values{}
	}
	in := map[string]any{"method": method, "path": path, "queries": map[string][]string(query), "headers": headers, "body": string(body), "secret": secret}
	res, err := prog.Call(ctx, "__phala_agent", []any{in}, d.env(rt, man), rt.Limits)
	if err != nil {
		return DevResponse{}, err
	}
	var out DevResponse
	return out, json.Unmarshal(res.Value, &out)
}

func (d *DevAgent) env(rt Runtime, man Manifest) sandbox.Env {
	session := egress.NewSession(rt.Egress)
	log := d.Log
	if log == nil {
		log = func(string, string) {}
	}
	store := agentStore{
		get: func(k string) (*string, error) {
			d.mu.Lock()
			defer d.mu.Unlock()
			if v, ok := d.kv[k]; ok {
				return &v, nil
			}
			return nil, nil
		},
		set: func(k string, v *string) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			if v == nil {
				delete(d.kv, k)
			} else {
				d.kv[k] = *v
			}
			return nil
		},
		log: log,
	}
	return store.env(d.async(session, rt, man))
}

// async is the common asynchronous host APIs with agents.call refused.
func (d *DevAgent) async(session *egress.Session, rt Runtime, man Manifest) map[string]sandbox.AsyncFunc {
	tokens := &usageMeter{}
	fns := asyncHostAPIs(session, rt.Router, "dev", tokens)
	fns["__phala_fetch"] = routeLLMHosts(man.LLMHosts, rt.Router, "dev", tokens, fns["__phala_fetch"])
	fns["__phala_agents_call"] = func(context.Context, []any) (any, error) {
		return nil, errors.New("agents.call needs a network: deploy the agents and call them through a gateway")
	}
	return fns
}
