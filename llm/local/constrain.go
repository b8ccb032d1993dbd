package local

import (
	"fmt"
	"math"
	"sync"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/grammar"
)

// Capabilities declares what the local provider does beyond plain chat,
// so that the router refuses the rest: tool calls, JSON mode and JSON
// schemas (by grammar-constrained decoding), n, logprobs, penalties,
// logit_bias and reproducible seeds.
func (p *Provider) Capabilities(model string) llm.Capabilities {
	return llm.Capabilities{Tools: true, ParallelToolCall: true, JSONObject: true, JSONSchema: true, N: true,
		Logprobs: true, Penalties: true, LogitBias: true, Seed: true}
}

var _ llm.Capable = (*Provider)(nil)

// responseGrammar is the grammar response_format asks for: nil for text,
// any JSON object for json_object, the compiled schema for json_schema. A
// schema the compiler cannot express is a bad request naming the construct.
func responseGrammar(rf *llm.ResponseFormat) (*grammar.Grammar, error) {
	if rf == nil {
		return nil, nil
	}
	switch rf.Type {
	case "", "text":
		return nil, nil
	case "json_object":
		return grammar.JSONObject()
	case "json_schema":
		if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 {
			return nil, fmt.Errorf("%w: response_format.json_schema.schema is missing", llm.ErrBadRequest)
		}
		g, _, err := grammar.FromJSONSchema(rf.JSONSchema.Schema)
		if err != nil {
			return nil, fmt.Errorf("%w: response_format.json_schema: %v", llm.ErrBadRequest, err)
		}
		return g, nil
	}
	return nil, fmt.Errorf("%w: response_format.type %q (text, json_object or json_schema)", llm.ErrBadRequest, rf.Type)
}

// lazyVocab holds a Tokenizer's grammar trie once built (a pointer, so
// that copies of a Tokenizer share it).
type lazyVocab struct {
	once sync.Once
	v    *grammar.Vocab
}

// grammarVocab is the vocabulary's token bytes in the trie grammar
// filtering walks, built on first use.
func (t *Tokenizer) grammarVocab() *grammar.Vocab {
	build := func() *grammar.Vocab {
		pieces := make([][]byte, len(t.tokens))
		for id := range pieces {
			pieces[id] = t.Piece(id)
		}
		return grammar.NewVocab(pieces)
	}
	if t.vocab == nil {
		return build()
	}
	t.vocab.once.Do(func() { t.vocab.v = build() })
	return t.vocab.v
}

// constraint follows a grammar through a completion.
type constraint struct {
	match *grammar.Matcher
	vocab *grammar.Vocab
	eos   int
	buf   []float32
}

// newConstraint starts g for a completion, or returns nil for no grammar.
func (m *Model) newConstraint(g *grammar.Grammar) (*constraint, error) {
	if g == nil {
		return nil, nil
	}
	match, err := g.Start()
	if err != nil {
		return nil, err
	}
	return &constraint{match: match, vocab: m.Tokenizer.grammarVocab(), eos: m.Tokenizer.EOS}, nil
}

// mask returns logits with every token the grammar does not allow next
// at -inf (EOS only once the grammar is done), and whether anything may
// follow at all.
func (c *constraint) mask(logits []float32) ([]float32, bool, error) {
	if !c.match.More() {
		return nil, false, nil
	}
	allowed, err := c.match.Allowed(c.vocab)
	if err != nil {
		return nil, false, err
	}
	c.buf = append(c.buf[:0], logits...)
	for id := range c.buf {
		if !allowed[id] && !(id == c.eos && c.match.Done()) {
			c.buf[id] = float32(math.Inf(-1))
		}
	}
	return c.buf, true, nil
}

// advance follows the sampled token's bytes.
func (c *constraint) advance(piece []byte) error {
	next, err := c.match.AdvanceBytes(piece)
	if err != nil {
		return err
	}
	if next.Dead() {
		return fmt.Errorf("local: sampled %q, which the grammar refuses", piece)
	}
	c.match = next
	return nil
}
