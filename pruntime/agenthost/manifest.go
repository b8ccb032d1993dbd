package agenthost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openaiapi"
	"github.com/phalanetwork/phala/sandbox"
)

// manifestMark starts an agent's manifest: a comment on the first line of
// its bundled code, so the code hash on chain covers it.
const manifestMark = "/* phala-manifest "

// Manifest is what an agent's code declares about how the enclave serves it.
type Manifest struct {
	// LLMHosts are OpenAI-compatible API hosts (such as api.openai.com)
	// whose fetches the enclave's AI router serves: such a request never
	// leaves the enclave, so agents written for OpenAI reach the router's
	// providers unchanged.
	LLMHosts []string `json:"llmHosts,omitempty"`
}

// Prefix returns code with the manifest as its first line (code unchanged
// when the manifest is empty).
func (m Manifest) Prefix(code []byte) ([]byte, error) {
	if len(m.LLMHosts) == 0 {
		return code, nil
	}
	for _, h := range m.LLMHosts {
		if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, "/:@ *") {
			return nil, fmt.Errorf("manifest: llmHosts entry %q is not a lower-case host name", h)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(manifestMark+string(raw)+" */\n"), code...), nil
}

// ParseManifest reads the manifest at the start of an agent's code (the
// zero Manifest when there is none).
func ParseManifest(code []byte) (Manifest, error) {
	var m Manifest
	if !bytes.HasPrefix(code, []byte(manifestMark)) {
		return m, nil
	}
	line, _, _ := bytes.Cut(code[len(manifestMark):], []byte("\n"))
	raw, ok := bytes.CutSuffix(line, []byte(" */"))
	if !ok {
		return m, fmt.Errorf("manifest: unterminated comment")
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if _, err := m.Prefix(nil); err != nil {
		return m, err
	}
	return m, nil
}

// routeLLMHosts wraps the fetch host function: a request to one of hosts
// is served in-process by the router's OpenAI-compatible API (its tokens
// metered to the call), never dialled; any other goes to next.
func routeLLMHosts(hosts []string, router *llm.Router, caller string, tokens *usageMeter, next sandbox.AsyncFunc) sandbox.AsyncFunc {
	if len(hosts) == 0 {
		return next
	}
	return func(ctx context.Context, args []any) (any, error) {
		u, init, err := fetchArgs(args)
		if err != nil {
			return nil, err
		}
		parsed, err := url.Parse(u)
		if err != nil || !slices.Contains(hosts, strings.ToLower(parsed.Hostname())) {
			return next(ctx, args)
		}
		// The router's API sits under /v1 whatever prefix the client's
		// base URL has (api.openai.com/v1, or a proxy's /openai/v1).
		path := parsed.EscapedPath()
		if i := strings.Index(path, "/v1/"); i >= 0 {
			path = path[i:]
		}
		req := httptest.NewRequestWithContext(ctx, orDefault(init.Method, http.MethodGet), path, bytes.NewReader(init.Body))
		for k, v := range init.Headers {
			req.Header.Set(k, v)
		}
		mb := &meteredBackend{router: router}
		rec := httptest.NewRecorder()
		openaiapi.New(mb, func(*http.Request) string { return caller }).ServeHTTP(rec, req)
		tokens.add(int(mb.tokens.total()))
		headers := map[string]string{}
		for k, v := range rec.Header() {
			headers[strings.ToLower(k)] = strings.Join(v, ", ")
		}
		return fetchAnswer(rec.Code, headers, rec.Body.Bytes(), u)
	}
}
