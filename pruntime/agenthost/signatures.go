package agenthost

import (
	"errors"
	"fmt"
	"sync"
)

// ErrNoSignature is the answer to /v1/signature/{id} for an id this
// worker did not serve, or served too long ago.
var ErrNoSignature = errors.New("no signature for this id on this worker")

// maxTexts bounds the signature texts kept for /v1/signature/{id}.
const maxTexts = 8192

// Signature is the answer of GET /v1/signature/{id}, in the shape
// RedPill's and NEAR AI's verifiers read.
type Signature struct {
	Text           string `json:"text"`
	Signature      string `json:"signature"`
	SigningAddress string `json:"signing_address"`
	SigningAlgo    string `json:"signing_algo"`
}

// texts remembers the signature text of the latest answers (in memory: a
// restart forgets them; the signed answer each response carries does
// not depend on it), oldest first out.
type texts struct {
	mu    sync.Mutex
	byID  map[string]string
	order []string
	next  int
}

func (t *texts) put(id, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byID == nil {
		t.byID, t.order = map[string]string{}, make([]string, maxTexts)
	}
	if _, ok := t.byID[id]; ok {
		t.byID[id] = text
		return
	}
	if old := t.order[t.next]; old != "" {
		delete(t.byID, old)
	}
	t.order[t.next], t.byID[id] = id, text
	t.next = (t.next + 1) % maxTexts
}

func (t *texts) get(id string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[id]
	return s, ok
}

// Signature signs, with the key of algo ("ed25519" or "ecdsa"), the
// text of the answer of id: a chat completion id, or for an agent call
// the hex request hash of its signed answer.
func (host *Host) Signature(id, algo string) (Signature, error) {
	text, ok := host.texts.get(id)
	if !ok {
		return Signature{}, fmt.Errorf("%w: %q", ErrNoSignature, id)
	}
	sig, addr, err := host.core.SignText(algo, []byte(text))
	if err != nil {
		return Signature{}, err
	}
	return Signature{Text: text, Signature: sig, SigningAddress: addr, SigningAlgo: algo}, nil
}
