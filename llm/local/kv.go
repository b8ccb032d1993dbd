package local

import (
	"context"
	"sync"
)

// Session is a State that remembers the tokens it has evaluated, so that
// the next turn of a conversation, which repeats the previous turns as its
// prefix, evaluates only the tokens after the common prefix: the KV cache
// of the prefix is reused. A Session belongs to one goroutine.
type Session struct {
	s      *State
	toks   []int
	reused int
}

// NewSession returns an empty session for m.
func (m *Model) NewSession() *Session { return &Session{s: m.NewState()} }

// Feed makes the session hold exactly tokens and returns the logits for
// the token after them: it rewinds to the longest prefix tokens share with
// what was evaluated before (keeping at least the last token to evaluate,
// whose logits are needed) and evaluates the rest together
// (State.ForwardBatch). On an error the session holds the common prefix,
// and may be fed again.
func (ss *Session) Feed(tokens []int) ([]float32, error) {
	keep := commonPrefix(ss.toks, tokens[:max(len(tokens)-1, 0)])
	if err := ss.s.Rewind(keep); err != nil {
		return nil, err
	}
	ss.toks, ss.reused = ss.toks[:keep], keep
	logits, err := ss.s.ForwardBatch(tokens[keep:])
	if err != nil {
		_ = ss.s.Rewind(keep) // drop the chunks evaluated before the error
		return nil, err
	}
	ss.toks = append(ss.toks, tokens[keep:]...)
	return logits, nil
}

// Reused is how many tokens the last Feed took from the cache.
func (ss *Session) Reused() int { return ss.reused }

// Tokens are the tokens the session holds; the slice must not be changed.
func (ss *Session) Tokens() []int { return ss.toks }

// feed is Feed in chunks of maxBatch tokens, stopping between chunks when
// ctx ends (the session then holds what was evaluated).
func (ss *Session) feed(ctx context.Context, tokens []int) ([]float32, error) {
	var logits []float32
	for end := min(len(tokens), maxBatch); ; end = min(len(tokens), end+maxBatch) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if logits, err = ss.Feed(tokens[:end]); err != nil || end == len(tokens) {
			return logits, err
		}
	}
}

// next evaluates one more token and returns the logits after it.
func (ss *Session) next(tok int) ([]float32, error) {
	logits, err := ss.s.Forward(tok)
	if err == nil {
		ss.toks = append(ss.toks, tok)
	}
	return logits, err
}

// idleSessions is how many idle sessions a model keeps for later turns
// (each holds a KV cache of up to the context length).
const idleSessions = 4

// sessionPool keeps a model's idle sessions, so that a conversation's next
// turn, whose prompt repeats the turns before it, reuses their KV cache.
// A request takes the session sharing the longest prefix with its prompt
// and gives it back when done; the least recently used is dropped.
type sessionPool struct {
	mu   sync.Mutex
	idle []*Session // least recently used first
}

// take removes and returns the idle session sharing the longest prefix
// with prompt (nil when none shares a token).
func (p *sessionPool) take(prompt []int) *Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	best, bestLen := -1, 0
	for i, ss := range p.idle {
		if n := commonPrefix(ss.toks, prompt); n > bestLen {
			best, bestLen = i, n
		}
	}
	if best < 0 {
		return nil
	}
	ss := p.idle[best]
	p.idle = append(p.idle[:best], p.idle[best+1:]...)
	return ss
}

// put gives ss back as the most recently used.
func (p *sessionPool) put(ss *Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, ss)
	if len(p.idle) > idleSessions {
		p.idle = append(p.idle[:0], p.idle[1:]...)
	}
}

// commonPrefix is how many leading tokens a and b share.
func commonPrefix(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
