package local

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
	keep := 0
	for keep < len(ss.toks) && keep < len(tokens)-1 && ss.toks[keep] == tokens[keep] {
		keep++
	}
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
