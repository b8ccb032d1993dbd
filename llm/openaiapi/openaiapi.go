// Package openaiapi serves the OpenAI chat completions API from an
// llm.Router, for the official openai SDKs, LangChain and anything else
// that speaks it:
//
//	POST /v1/chat/completions   chat.completion, or with "stream": true
//	                            Server-Sent Events of chat.completion.chunk
//	POST /v1/completions        text_completion, served by the chat path
//	POST /v1/embeddings         list of embeddings (float or base64)
//	GET  /v1/models             list of "provider/model" models
//	GET  /v1/models/{model}     one model
//
// Models are named "provider/model". Requests are authenticated outside
// (the gateway or the worker); the handler only asks CallerFrom who the
// caller is, to meter tokens to them.
//
// Every request field OpenAI defines is decoded and passed to the router,
// which refuses (400, code unsupported_parameter) what the provider does
// not support; unknown fields are refused (400) but for a few that have no
// effect on the answer (ignoredFields).
//
// Errors are OpenAI-shaped, {"error":{"message","type","param","code"}}:
// 400 invalid_request_error for a request to fix, 429 (code
// rate_limit_exceeded with Retry-After, or insufficient_quota) past a
// caller's limits, 404 for an unknown
// model (code model_not_found) or path, 405 for a wrong method, 413 for a
// body over the limit, 502 server_error (code provider_error) when the
// providers failed, 503 (code not_configured) when no model is
// configured. A stream that fails after its first event ends with one
// event "data: {"error":{...}}" and no [DONE]; the openai SDKs raise it.
//
// Signing: with WithSign, every answer to POST /v1/chat/completions is signed
// over the exact request body received and the exact response sent (its
// status, headers and every body byte). A JSON answer carries the headers
// Sign returns. A stream cannot carry headers computed over its own body,
// so they come twice after the last event: as one more Server-Sent Event,
// named SignatureEvent, whose data is a JSON object of those headers, sent
// after "data: [DONE]" (the openai SDKs stop reading at [DONE], so they
// never see it), and as HTTP trailers (the ones named in the response's
// Trailer header). The stream's signed bytes are every byte before the
// signature event. Trailers need HTTP/1.1 chunked encoding or HTTP/2;
// browsers' fetch and the openai SDKs do not expose them (Go's
// http.Response.Trailer does, after the body is read to its end).
package openaiapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/llm"
)

// SignatureHeader is the trailer a signed stream announces when WithSign
// names none.
const SignatureHeader = "X-Phala-Signature"

// SignatureEvent names the last Server-Sent Event of a signed stream: its
// data is a JSON object of the signature headers.
const SignatureEvent = "phala.answer"

// Exchange is one answer as its signer sees it.
type Exchange struct {
	Status int
	// Header is the response's headers as sent.
	Header      http.Header
	RequestBody []byte
	// BodyHash is SHA-256 over every response body byte sent (for a
	// stream, every byte before the signature event).
	BodyHash [32]byte
	// ID is the completion id ("" when the answer is an error sent
	// before one was made); Model is the "provider/model" that served
	// ("" when none did).
	ID     string
	Model  string
	Stream bool
}

// Signer signs an answer and returns the headers that carry the signature.
type Signer func(Exchange) map[string]string

// DefaultMaxBodyBytes bounds a request body.
const DefaultMaxBodyBytes = 4 << 20

// Backend is what the handler serves; *llm.Router is one.
type Backend interface {
	Models(ctx context.Context) ([]string, error)
	ChatModel(ctx context.Context, caller string, req llm.ChatRequest, onDelta func(model string, d llm.Delta) error) (llm.ChatResponse, error)
	Embed(ctx context.Context, caller string, req llm.EmbedRequest) (llm.EmbedResponse, error)
}

var _ Backend = (*llm.Router)(nil)

// Handler serves the OpenAI API. Build it with New.
type Handler struct {
	backend     Backend
	callerFrom  func(*http.Request) string
	sign        Signer
	maxBody     int64
	fingerprint string
	created     int64
	now         func() time.Time
	trailers    []string
	record      func(id string, requestBody []byte, responseHash [32]byte)
	cost        func(llm.Usage) string
}

// Option configures a Handler.
type Option func(*Handler)

// WithSign sets a hook that signs each /v1/chat/completions answer and
// returns headers to add (for a stream, whose status is 200, a last event
// and trailers; see the package documentation). trailers are the names a
// stream announces in its Trailer header (SignatureHeader if none): proxies
// and clients keep announced trailers; others are sent undeclared.
func WithSign(sign Signer, trailers ...string) Option {
	return func(h *Handler) {
		h.sign = sign
		h.trailers = trailers
		if len(trailers) == 0 {
			h.trailers = []string{SignatureHeader}
		}
	}
}

// WithRecord sets a hook called once a chat answer with a completion id
// has been sent whole: with the id, the request body and SHA-256 over
// every response byte sent (for a stream, the signature event included),
// what GET /v1/signature/{id} signs.
func WithRecord(record func(id string, requestBody []byte, responseHash [32]byte)) Option {
	return func(h *Handler) { h.record = record }
}

// WithCost prices usage: every usage answered (a completion's, the last
// chunk's with stream_options.include_usage, embeddings') carries
// "cost": cost(usage).
func WithCost(cost func(llm.Usage) string) Option {
	return func(h *Handler) { h.cost = cost }
}

// WithMaxBodyBytes bounds request bodies (default DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int64) Option {
	return func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// WithSystemFingerprint sets the system_fingerprint of every completion
// and chunk (omitted by default; it is optional in the API).
func WithSystemFingerprint(fp string) Option {
	return func(h *Handler) { h.fingerprint = fp }
}

// New returns a handler serving backend (a *llm.Router). callerFrom names
// the caller of a request, for metering; nil meters every request to "".
// A nil backend answers 503 to every chat request and lists no model.
func New(backend Backend, callerFrom func(r *http.Request) string, opts ...Option) *Handler {
	h := &Handler{
		backend:    backend,
		callerFrom: callerFrom,
		maxBody:    DefaultMaxBodyBytes,
		now:        time.Now,
	}
	for _, o := range opts {
		o(h)
	}
	h.created = h.now().Unix()
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/v1/chat/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "use POST for /v1/chat/completions")
			return
		}
		h.chat(w, r)
	case path == "/v1/embeddings" || path == "/v1/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "use POST for "+path)
			return
		}
		if path == "/v1/embeddings" {
			h.embeddings(w, r)
		} else {
			h.completions(w, r)
		}
	case path == "/v1/models" || strings.HasPrefix(path, "/v1/models/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "use GET for /v1/models")
			return
		}
		h.models(w, r, strings.TrimPrefix(strings.TrimPrefix(path, "/v1/models"), "/"))
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", fmt.Sprintf("unknown path %s %s: this server has POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings and GET /v1/models", r.Method, path))
	}
}

// model is an entry of GET /v1/models.
type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (h *Handler) models(w http.ResponseWriter, r *http.Request, one string) {
	var names []string
	var err error
	if h.backend != nil {
		names, err = h.backend.Models(r.Context())
	}
	if len(names) == 0 && err != nil {
		// Nothing to list: say why. A provider failing while others
		// answer only shortens the list.
		writeErr(w, err)
		return
	}
	list := make([]model, 0, len(names))
	for _, n := range names {
		owner, _, _ := strings.Cut(n, "/")
		list = append(list, model{ID: n, Object: "model", Created: h.created, OwnedBy: owner})
	}
	if one != "" {
		for _, m := range list {
			if m.ID == one {
				writeJSON(w, http.StatusOK, m)
				return
			}
		}
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", fmt.Sprintf("the model %q does not exist", one))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", list})
}

func (h *Handler) caller(r *http.Request) string {
	if h.callerFrom == nil {
		return ""
	}
	return h.callerFrom(r)
}

// The answer shapes, field for field as OpenAI's.
type (
	// head is what a completion and a streamed chunk both start with;
	// embedded, its fields marshal in place as OpenAI orders them.
	head struct {
		ID                string `json:"id"`
		Object            string `json:"object"`
		Created           int64  `json:"created"`
		Model             string `json:"model"`
		SystemFingerprint string `json:"system_fingerprint,omitempty"`
	}
	completion struct {
		head
		Choices []choice `json:"choices"`
		Usage   usage    `json:"usage"`
	}
	// usage is llm.Usage with what the tokens cost, when the server
	// prices them.
	usage struct {
		llm.Usage
		Cost string `json:"cost,omitempty"`
	}
	choice struct {
		Index        int           `json:"index"`
		Message      message       `json:"message"`
		Logprobs     *llm.Logprobs `json:"logprobs"`
		FinishReason string        `json:"finish_reason"`
	}
	message struct {
		Role      string         `json:"role"`
		Content   *string        `json:"content"`
		Refusal   *string        `json:"refusal"`
		ToolCalls []llm.ToolCall `json:"tool_calls,omitempty"`
	}
	chunk struct {
		head
		Choices []chunkChoice   `json:"choices"`
		Usage   json.RawMessage `json:"usage,omitempty"`
	}
	chunkChoice struct {
		Index        int           `json:"index"`
		Delta        delta         `json:"delta"`
		Logprobs     *llm.Logprobs `json:"logprobs"`
		FinishReason *string       `json:"finish_reason"`
	}
	delta struct {
		Role      string          `json:"role,omitempty"`
		Content   *string         `json:"content,omitempty"`
		ToolCalls []toolCallDelta `json:"tool_calls,omitempty"`
	}
	toolCallDelta struct {
		Index    int           `json:"index"`
		ID       string        `json:"id,omitempty"`
		Type     string        `json:"type,omitempty"`
		Function functionDelta `json:"function"`
	}
	functionDelta struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
)

// wireChoices renders a response's choices as OpenAI's.
func wireChoices(resp llm.ChatResponse) []choice {
	out := make([]choice, len(resp.Choices))
	for i, c := range resp.Choices {
		m := message{Role: "assistant", ToolCalls: c.Message.ToolCalls}
		if c.Message.Content != "" || len(m.ToolCalls) == 0 {
			m.Content = &c.Message.Content
		}
		out[i] = choice{Index: c.Index, Message: m, Logprobs: c.Logprobs, FinishReason: finishReason(c.FinishReason)}
	}
	return out
}

// wireDelta renders a streamed piece as a chunk's delta.
func wireDelta(d llm.Delta) (delta, *llm.Logprobs) {
	var out delta
	if d.Content != "" {
		out.Content = &d.Content
	}
	for _, tc := range d.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, toolCallDelta{Index: tc.Index, ID: tc.ID, Type: tc.Type, Function: functionDelta{Name: tc.Name, Arguments: tc.Arguments}})
	}
	if len(d.Logprobs) == 0 {
		return out, nil
	}
	return out, &llm.Logprobs{Content: d.Logprobs}
}

var jsonNull = json.RawMessage("null")

// chat answers POST /chat/completions, whole or as a stream of chunks.
func (h *Handler) chat(w http.ResponseWriter, r *http.Request) {
	body, req, includeUsage, ok := h.parsed(w, r, parseRequest)
	if !ok {
		return
	}
	id := newID()
	w.Header().Set("X-Request-Id", id)
	created := h.now().Unix()
	if !req.Stream {
		h.chatWhole(w, r, body, req, id, created)
		return
	}
	s := &stream{h: h, w: w, rc: http.NewResponseController(w), reqBody: body, sent: sha256.New(), id: id, created: created, includeUsage: includeUsage}
	h.chatStream(r, s, req)
}

// parsed reads the request body and parses it with parse, answering a
// 400 when it does not parse; ok false means the answer has been written.
func (h *Handler) parsed(w http.ResponseWriter, r *http.Request, parse func([]byte) (llm.ChatRequest, bool, error)) (body []byte, req llm.ChatRequest, includeUsage, ok bool) {
	if body, ok = h.readRequest(w, r); !ok {
		return nil, req, false, false
	}
	req, includeUsage, err := parse(body)
	if err != nil {
		h.badRequest(w, body, err)
		return body, req, false, false
	}
	return body, req, includeUsage, true
}

// readRequest reads the body of a POST to a model (see readChatBody),
// answering 503 itself when no model is configured.
func (h *Handler) readRequest(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if h.backend == nil {
		h.finish(w, nil, http.StatusServiceUnavailable, errorBody("service_unavailable", "not_configured", "no model is configured on this server"), notConfiguredHeaders, "", "")
		return nil, false
	}
	return h.readChatBody(w, r)
}

// badRequest answers a request body that does not parse.
func (h *Handler) badRequest(w http.ResponseWriter, body []byte, err error) {
	h.finish(w, body, http.StatusBadRequest, errorBody("invalid_request_error", "invalid_request", err.Error()), nil, "", "")
}

// fail ends a stream on an error: a whole error answer when nothing was
// sent yet, else an error event (when the client is still there).
func (s *stream) fail(err error) {
	status, typ, code := classify(err)
	if !s.started {
		s.h.finish(s.w, s.reqBody, status, errorBody(typ, code, err.Error()), headersForErr(status, err), s.id, "")
		return
	}
	if s.werr == nil {
		s.event(errorBody(typ, code, err.Error()))
	}
	s.end()
}

// readChatBody reads the request body, answering the client itself (and
// reporting false) when it is too large or unreadable.
func (h *Handler) readChatBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := readBody(w, r, h.maxBody)
	if err == nil {
		return body, true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.finish(w, nil, http.StatusRequestEntityTooLarge, errorBody("invalid_request_error", "request_too_large", fmt.Sprintf("request body over %d bytes", h.maxBody)), nil, "", "")
		return nil, false
	}
	h.finish(w, nil, http.StatusBadRequest, errorBody("invalid_request_error", "invalid_body", "reading request body: "+err.Error()), nil, "", "")
	return nil, false
}

// chatWhole answers a request that does not stream with one chat.completion.
func (h *Handler) chatWhole(w http.ResponseWriter, r *http.Request, body []byte, req llm.ChatRequest, id string, created int64) {
	resp, err := h.backend.ChatModel(r.Context(), h.caller(r), req, nil)
	if err != nil {
		h.fail(w, body, err, id)
		return
	}
	out := completion{
		head:    head{ID: id, Object: "chat.completion", Created: created, Model: resp.Model, SystemFingerprint: h.fingerprint},
		Choices: wireChoices(resp),
		Usage:   h.usage(resp.Usage),
	}
	data, _ := json.Marshal(out)
	h.finish(w, body, http.StatusOK, data, nil, id, resp.Model)
}

// fail answers an error from the backend as a whole JSON error.
func (h *Handler) fail(w http.ResponseWriter, body []byte, err error, id string) {
	status, typ, code := classify(err)
	h.finish(w, body, status, errorBody(typ, code, err.Error()), headersForErr(status, err), id, "")
}

// usage is u with its cost when the handler prices tokens.
func (h *Handler) usage(u llm.Usage) usage {
	out := usage{Usage: u}
	if h.cost != nil {
		out.Cost = h.cost(u)
	}
	return out
}

// chatStream answers a streaming request with chunks on s: the deltas as
// they come (each choice's first with the assistant role), then each
// choice's finish reason, the usage if asked and [DONE]. An error before
// the first chunk is a whole error answer; after it, an error event.
func (h *Handler) chatStream(r *http.Request, s *stream, req llm.ChatRequest) {
	resp, err := h.backend.ChatModel(r.Context(), h.caller(r), req, func(model string, d llm.Delta) error {
		if !s.started {
			if err := s.start(model); err != nil {
				return err
			}
		}
		if err := s.open(d.Index); err != nil {
			return err
		}
		wd, lp := wireDelta(d)
		return s.event(s.chunk(d.Index, wd, lp, nil, nil))
	})
	if err != nil {
		s.fail(err)
		return
	}
	if !s.started {
		if s.start(resp.Model) != nil {
			return
		}
	}
	s.model = resp.Model
	for _, c := range resp.Choices {
		fr := finishReason(c.FinishReason)
		if s.open(c.Index) != nil || s.event(s.chunk(c.Index, delta{}, nil, &fr, nil)) != nil {
			return
		}
	}
	if s.includeUsage {
		u, _ := json.Marshal(h.usage(resp.Usage))
		c := s.chunk(0, delta{}, nil, nil, u)
		c.Choices = []chunkChoice{}
		if s.event(c) != nil {
			return
		}
	}
	if s.write([]byte("data: [DONE]\n\n")) != nil {
		return
	}
	s.end()
}

// finish writes a whole JSON answer, signed when signing is on; id is the
// completion id and model what served, when there are.
func (h *Handler) finish(w http.ResponseWriter, reqBody []byte, status int, data []byte, extra map[string]string, id, model string) {
	for k, v := range extra {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if h.sign != nil {
		ex := Exchange{Status: status, Header: w.Header().Clone(), RequestBody: reqBody, BodyHash: sha256.Sum256(data), ID: id, Model: model}
		for k, v := range h.sign(ex) {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(status)
	w.Write(data)
	if h.record != nil && id != "" {
		h.record(id, reqBody, sha256.Sum256(data))
	}
}

// stream writes Server-Sent Events, flushing each.
type stream struct {
	h            *Handler
	w            http.ResponseWriter
	rc           *http.ResponseController
	reqBody      []byte
	sent         hash.Hash // SHA-256 of every byte sent
	id           string
	created      int64
	model        string
	includeUsage bool
	started      bool
	opened       map[int]bool // choices whose role chunk was sent
	legacy       bool         // text_completion chunks: no role chunk
	werr         error
}

func (s *stream) start(model string) error {
	s.started, s.model = true, model
	hdr := s.w.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	if s.h.sign != nil {
		hdr.Set("Trailer", strings.Join(s.h.trailers, ", "))
	}
	s.w.WriteHeader(http.StatusOK)
	if s.legacy {
		return nil
	}
	return s.open(0)
}

// open sends choice index's first chunk, with the role, once.
func (s *stream) open(index int) error {
	if s.opened == nil {
		s.opened = map[int]bool{}
	}
	if s.opened[index] {
		return nil
	}
	s.opened[index] = true
	role := ""
	return s.event(s.chunk(index, delta{Role: "assistant", Content: &role}, nil, nil, nil))
}

func (s *stream) chunk(index int, d delta, lp *llm.Logprobs, finish *string, usage json.RawMessage) chunk {
	c := chunk{
		head:    head{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model, SystemFingerprint: s.h.fingerprint},
		Choices: []chunkChoice{{Index: index, Delta: d, Logprobs: lp, FinishReason: finish}},
	}
	if s.includeUsage {
		// As OpenAI: "usage": null on every chunk but the last.
		c.Usage = jsonNull
		if usage != nil {
			c.Usage = usage
		}
	}
	return c
}

func (s *stream) event(v any) error {
	data, ok := v.([]byte) // already JSON
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return err
		}
	}
	buf := make([]byte, 0, len(data)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	return s.write(buf)
}

func (s *stream) write(b []byte) error {
	if s.werr != nil {
		return s.werr
	}
	if _, err := s.w.Write(b); err != nil {
		s.werr = err
		return err
	}
	s.sent.Write(b)
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.werr = err
		return err
	}
	return nil
}

// end signs what was sent and sends the signature as the last event
// (when the client is still there) and as trailers, then records the
// whole stream.
func (s *stream) end() {
	if s.h.sign != nil {
		s.signEnd()
	}
	if s.h.record != nil && s.werr == nil {
		var sum [32]byte
		s.h.record(s.id, s.reqBody, [32]byte(s.sent.Sum(sum[:0])))
	}
}

func (s *stream) signEnd() {
	hdr := s.w.Header()
	ex := Exchange{Status: http.StatusOK, Header: hdr.Clone(), RequestBody: s.reqBody, Stream: true, ID: s.id, Model: s.model}
	s.sent.Sum(ex.BodyHash[:0])
	sig := s.h.sign(ex)
	if s.werr == nil {
		data, _ := json.Marshal(sig)
		ev := append(append([]byte("event: "+SignatureEvent+"\ndata: "), data...), "\n\n"...)
		if _, err := s.w.Write(ev); err == nil {
			s.sent.Write(ev)
			s.rc.Flush()
		} else {
			s.werr = err
		}
	}
	declared := map[string]bool{}
	for _, k := range s.h.trailers {
		declared[http.CanonicalHeaderKey(k)] = true
	}
	for k, v := range sig {
		if declared[http.CanonicalHeaderKey(k)] {
			hdr.Set(k, v)
		} else {
			hdr.Set(http.TrailerPrefix+k, v)
		}
	}
}

func finishReason(s string) string {
	if s == "" {
		return "stop"
	}
	return s
}

var notConfiguredHeaders = map[string]string{"X-Should-Retry": "false"}

// headersFor returns headers for an error status: a 503 (nothing
// configured) tells the openai SDKs not to retry.
func headersFor(status int) map[string]string {
	if status == http.StatusServiceUnavailable {
		return notConfiguredHeaders
	}
	return nil
}

// headersForErr is headersFor(status) and, for a rate limit, Retry-After
// (whole seconds, rounded up) and the X-Should-Retry the openai SDKs
// honor: a spent budget is not retried.
func headersForErr(status int, err error) map[string]string {
	var le *llm.LimitError
	if !errors.As(err, &le) {
		return headersFor(status)
	}
	if le.RetryAfter <= 0 {
		return map[string]string{"X-Should-Retry": "false"}
	}
	secs := int64((le.RetryAfter + time.Second - 1) / time.Second)
	return map[string]string{"Retry-After": strconv.FormatInt(secs, 10)}
}

// classify maps a router error to an HTTP status, an OpenAI error type
// and a code.
func classify(err error) (status int, typ, code string) {
	var le *llm.LimitError
	switch {
	case errors.As(err, &le) && le.Limit == "budget":
		return http.StatusTooManyRequests, "insufficient_quota", "insufficient_quota"
	case errors.Is(err, llm.ErrRateLimited):
		return http.StatusTooManyRequests, "requests", "rate_limit_exceeded"
	case errors.Is(err, llm.ErrUnsupported):
		return http.StatusBadRequest, "invalid_request_error", "unsupported_parameter"
	case errors.Is(err, llm.ErrBadRequest):
		return http.StatusBadRequest, "invalid_request_error", "invalid_request"
	case errors.Is(err, llm.ErrUnknownModel):
		return http.StatusNotFound, "invalid_request_error", "model_not_found"
	case errors.Is(err, llm.ErrNotConfigured):
		return http.StatusServiceUnavailable, "service_unavailable", "not_configured"
	case errors.Is(err, llm.ErrProvider):
		return http.StatusBadGateway, "server_error", "provider_error"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "server_error", "timeout"
	default:
		return http.StatusInternalServerError, "server_error", "internal_error"
	}
}

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

func errorBody(typ, code, msg string) []byte {
	data, _ := json.Marshal(struct {
		Error apiError `json:"error"`
	}{apiError{Message: msg, Type: typ, Code: code}})
	return data
}

func writeErr(w http.ResponseWriter, err error) {
	status, typ, code := classify(err)
	writeError(w, status, typ, code, err.Error())
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	for k, v := range headersFor(status) {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorBody(typ, code, msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [24]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "chatcmpl-" + string(b[:])
}
