package llm

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + v.PromptTokens,
		CompletionTokens: u.CompletionTokens + v.CompletionTokens,
		TotalTokens:      u.TotalTokens + v.TotalTokens,
	}
}

// Tally is what a Router metered for one caller or one provider.
type Tally struct {
	// Usage is the tokens used, answered or not (a stream cut short is
	// metered for the tokens its provider reported).
	Usage Usage `json:"usage"`
	// Requests counts the attempts that answered: per caller, the Chat
	// calls that returned a response; per provider, the calls it answered.
	Requests int64 `json:"requests"`
	// Failures counts the failed attempts: per caller, every provider call
	// that failed (one Chat call with fallbacks may count several); per
	// provider, the calls it failed.
	Failures int64 `json:"failures"`
}

// Metered is a snapshot of a Router's meters, for fees and metrics.
type Metered struct {
	// Callers is keyed by the caller passed to Chat.
	Callers map[string]Tally `json:"callers"`
	// Providers is keyed by provider name.
	Providers map[string]Tally `json:"providers"`
	// Total sums the tokens of every caller.
	Total Usage `json:"total"`
}

// meter counts one attempt and returns its usage as metered (TotalTokens
// filled in when a provider left it 0).
func (r *Router) meter(caller, provider string, u Usage, err error) Usage {
	if u.TotalTokens == 0 {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range []*Tally{tally(r.callers, caller), tally(r.byProvider, provider)} {
		t.Usage = t.Usage.Add(u)
		if err == nil {
			t.Requests++
		} else {
			t.Failures++
		}
	}
	return u
}

func tally(m map[string]*Tally, key string) *Tally {
	t := m[key]
	if t == nil {
		t = new(Tally)
		m[key] = t
	}
	return t
}

// Usage returns the tokens metered to caller so far.
func (r *Router) Usage(caller string) Usage {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.callers[caller]; t != nil {
		return t.Usage
	}
	return Usage{}
}

// Metered returns a snapshot of the meters; the maps are the caller's.
func (r *Router) Metered() Metered {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := Metered{Callers: make(map[string]Tally, len(r.callers)), Providers: make(map[string]Tally, len(r.byProvider))}
	for k, t := range r.callers {
		m.Callers[k] = *t
		m.Total = m.Total.Add(t.Usage)
	}
	for k, t := range r.byProvider {
		m.Providers[k] = *t
	}
	return m
}
