package egress

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors returned by Session.Do; test for them with errors.Is, since they are
// wrapped with details (the host, the address, the limit).
var (
	// ErrRefused means the policy refused the address a host resolved to (or
	// the host itself); the message names the host, the IP and the reason.
	ErrRefused = errors.New("egress: address refused by policy")
	// ErrTooMany means the session's request budget (Policy.MaxRequests) is exhausted.
	ErrTooMany = errors.New("egress: request budget exhausted")
	// ErrTooLarge means a request or response body exceeded its limit.
	ErrTooLarge = errors.New("egress: body too large")
	// ErrScheme means a URL, or a redirect target, is not http or https.
	ErrScheme = errors.New("egress: only http and https URLs are allowed")
	// ErrRedirects means a request was redirected more than Policy.MaxRedirects times.
	ErrRedirects = errors.New("egress: too many redirects")
	// ErrInvalidRequest means the request is malformed: a bad URL or host
	// name, userinfo in the URL, a forbidden method, a bad header, a body on
	// GET or HEAD.
	ErrInvalidRequest = errors.New("egress: invalid request")
)

// Defaults applied by NewSession to the zero fields of a Policy.
const (
	// DefaultMaxRequests is the default request budget of a Session.
	DefaultMaxRequests = 16
	// DefaultMaxBody is the default limit on response body bytes.
	DefaultMaxBody = 1 << 20
	// DefaultMaxRequestBody is the default limit on request body bytes.
	DefaultMaxRequestBody = 256 << 10
	// DefaultTimeout is the default time limit of one request, redirects and body included.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxRedirects is the default number of redirects followed per request.
	DefaultMaxRedirects = 5
)

const (
	maxResponseHeaderBytes = 64 << 10
	maxAddrsPerHost        = 8
)

// Policy is the egress policy of a Session; its zero value refuses every
// special-purpose address and uses the defaults above.
type Policy struct {
	// Allow lists prefixes whose addresses are allowed even though they are in a refused range, for any host and port.
	Allow []netip.Prefix
	// AllowHosts lists exact "host:port" pairs whose resolved addresses are allowed unless in a hard range (see the package documentation).
	AllowHosts []string
	// MaxRequests is the number of Do calls a Session lets past its local request checks, failed ones included (0 means DefaultMaxRequests).
	MaxRequests int
	// MaxBody is the maximum number of response body bytes read; a larger body fails with ErrTooLarge (0 means DefaultMaxBody).
	MaxBody int64
	// MaxRequestBody is the maximum request body size; a larger body fails with ErrTooLarge (0 means DefaultMaxRequestBody).
	MaxRequestBody int64
	// Timeout bounds one Do call, redirects and body read included (0 means DefaultTimeout).
	Timeout time.Duration
	// MaxRedirects is the number of redirects followed per request (0 means DefaultMaxRedirects; negative means none are followed and the 3xx response is returned).
	MaxRedirects int
	// Resolver resolves host names when Lookup is nil (nil means net.DefaultResolver).
	Resolver *net.Resolver
	// Lookup, if set, resolves host names instead of Resolver; tests use it to simulate DNS.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Validate reports malformed Allow prefixes and AllowHosts entries, which
// NewSession would otherwise ignore (they allow nothing).
func (p Policy) Validate() error {
	var errs []error
	for i, pfx := range p.Allow {
		if !pfx.IsValid() {
			errs = append(errs, fmt.Errorf("egress: Allow[%d] is not a valid prefix", i))
		}
	}
	for i, hp := range p.AllowHosts {
		if _, err := normHostPort(hp); err != nil {
			errs = append(errs, fmt.Errorf("egress: AllowHosts[%d]: %w", i, err))
		}
	}
	if p.MaxRequests < 0 || p.MaxBody < 0 || p.MaxRequestBody < 0 || p.Timeout < 0 {
		errs = append(errs, errors.New("egress: negative limit"))
	}
	return errors.Join(errs...)
}

// Session makes the outbound requests of one agent call under a Policy and
// counts them against Policy.MaxRequests; it is safe for concurrent use.
type Session struct {
	policy     Policy
	allow      []netip.Prefix
	allowHosts map[string]bool
	transport  *http.Transport
	client     *http.Client

	mu   sync.Mutex
	used int

	// dial opens a TCP connection to an IP:port that has been checked; tests
	// replace it to observe what is dialed.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// NewSession returns a Session enforcing p, with defaults for its zero limits.
func NewSession(p Policy) *Session {
	if p.MaxRequests <= 0 {
		p.MaxRequests = DefaultMaxRequests
	}
	if p.MaxBody <= 0 {
		p.MaxBody = DefaultMaxBody
	}
	if p.MaxRequestBody <= 0 {
		p.MaxRequestBody = DefaultMaxRequestBody
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.MaxRedirects == 0 {
		p.MaxRedirects = DefaultMaxRedirects
	}
	s := &Session{policy: p, allowHosts: map[string]bool{}}
	for _, pfx := range p.Allow {
		if pfx.IsValid() {
			s.allow = append(s.allow, pfx.Masked())
		}
	}
	for _, hp := range p.AllowHosts {
		if k, err := normHostPort(hp); err == nil {
			s.allowHosts[k] = true
		}
	}
	d := &net.Dialer{}
	s.dial = d.DialContext
	s.transport = &http.Transport{
		// No proxy, whatever the environment says: a proxy would resolve and
		// connect to the target itself, bypassing the address checks.
		Proxy:                  nil,
		DialContext:            s.dialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	s.client = &http.Client{
		Transport:     s.transport,
		CheckRedirect: s.checkRedirect,
		Jar:           nil,
	}
	return s
}

// Request is one outbound HTTP request, as given to fetch.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute http or https URL to fetch.
	URL string
	// Headers are the request headers; forbidden ones are dropped (see the package documentation).
	Headers map[string]string
	// Body is the request body, at most Policy.MaxRequestBody bytes.
	Body []byte
}

// Response is the final response of a request, after redirects.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Headers are the response headers, names in lower case, repeated values joined with ", ".
	Headers map[string]string
	// Body is the whole response body, at most Policy.MaxBody bytes.
	Body []byte
	// URL is the final URL after redirects.
	URL string
}

var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// Do performs r under the session's policy, following redirects, and returns
// the final response with its whole body; each call that passes the local
// checks of r consumes one request of the budget, even if it then fails.
func (s *Session) Do(ctx context.Context, r Request) (*Response, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !allowedMethods[method] {
		return nil, fmt.Errorf("%w: method %q not allowed", ErrInvalidRequest, r.Method)
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	u.Fragment, u.RawFragment = "", ""
	if int64(len(r.Body)) > s.policy.MaxRequestBody {
		return nil, fmt.Errorf("%w: request body is %d bytes, limit %d", ErrTooLarge, len(r.Body), s.policy.MaxRequestBody)
	}
	if len(r.Body) > 0 && (method == http.MethodGet || method == http.MethodHead) {
		return nil, fmt.Errorf("%w: %s request with a body", ErrInvalidRequest, method)
	}
	header := http.Header{}
	for k, v := range r.Headers {
		if !validHeaderName(k) || !validHeaderValue(v) {
			return nil, fmt.Errorf("%w: bad header %q", ErrInvalidRequest, k)
		}
		if forbiddenHeader(k) {
			continue
		}
		header.Set(k, v)
	}
	if err := s.take(); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, s.policy.Timeout)
	defer cancel()
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	req.Header = header
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	limit := s.policy.MaxBody
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: response Content-Length %d exceeds %d bytes", ErrTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return nil, fmt.Errorf("egress: reading response body: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: response body exceeds %d bytes", ErrTooLarge, limit)
	}
	out := &Response{
		Status:  resp.StatusCode,
		Headers: make(map[string]string, len(resp.Header)),
		Body:    data,
		URL:     resp.Request.URL.String(),
	}
	for k, vs := range resp.Header {
		out.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return out, nil
}

// take consumes one request of the budget.
func (s *Session) take() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used >= s.policy.MaxRequests {
		return fmt.Errorf("%w: %d requests used", ErrTooMany, s.used)
	}
	s.used++
	return nil
}

// checkURL accepts absolute http and https URLs with a host and no userinfo.
func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: %q", ErrScheme, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo in URL", ErrInvalidRequest)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return fmt.Errorf("%w: URL has no host", ErrInvalidRequest)
	}
	return nil
}

func (s *Session) checkRedirect(req *http.Request, via []*http.Request) error {
	if s.policy.MaxRedirects < 0 {
		return http.ErrUseLastResponse
	}
	if len(via) > s.policy.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrRedirects, s.policy.MaxRedirects)
	}
	return checkURL(req.URL)
}

// dialContext is the only way the transport opens connections: it resolves
// the host once, checks every address and dials the checked IPs only.
func (s *Session) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return nil, err
	}
	addrs, err := s.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	hostAllowed := s.allowHosts[normHost(host)+":"+strconv.Itoa(int(port))]
	for _, a := range addrs {
		if err := s.check(host, a, hostAllowed); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, a := range addrs {
		c, err := s.dial(ctx, "tcp", netip.AddrPortFrom(a.Unmap(), port).String())
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// resolve turns host into the addresses to check (as they are) and dial
// (unmapped).
func (s *Session) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	name := strings.TrimSuffix(host, ".")
	if !validHostname(name) {
		return nil, fmt.Errorf("%w: bad host name %q", ErrInvalidRequest, host)
	}
	if endsInNumber(name) {
		return nil, fmt.Errorf("%w: host %q is a numeric IPv4 form that is not a canonical dotted quad", ErrRefused, host)
	}
	lower := strings.ToLower(name)
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}, nil
	}
	var addrs []netip.Addr
	var err error
	if s.policy.Lookup != nil {
		addrs, err = s.policy.Lookup(ctx, host)
	} else {
		res := s.policy.Resolver
		if res == nil {
			res = net.DefaultResolver
		}
		addrs, err = res.LookupNetIP(ctx, "ip", host)
	}
	if err != nil {
		return nil, fmt.Errorf("egress: resolving %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("egress: resolving %q: no addresses", host)
	}
	if len(addrs) > maxAddrsPerHost {
		addrs = addrs[:maxAddrsPerHost]
	}
	return addrs, nil
}

// check applies the refused-range table and the exceptions to one address.
func (s *Session) check(host string, a netip.Addr, hostAllowed bool) error {
	v := classify(a)
	if !v.refused {
		return nil
	}
	plain := a.WithZone("")
	for _, pfx := range s.allow {
		if pfx.Contains(plain) || pfx.Contains(plain.Unmap()) {
			return nil
		}
	}
	if hostAllowed && !v.hard {
		return nil
	}
	if hostAllowed {
		return fmt.Errorf("%w: host %q: %s (AllowHosts cannot unlock this range)", ErrRefused, host, v.reason)
	}
	return fmt.Errorf("%w: host %q: %s", ErrRefused, host, v.reason)
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: bad port %q", ErrInvalidRequest, s)
	}
	return uint16(n), nil
}

// normHost canonicalizes a host for AllowHosts matching: IP literals as
// addresses (unmapped, zone kept), names in lower case without a trailing dot.
func normHost(h string) string {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String()
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// normHostPort canonicalizes an AllowHosts entry.
func normHostPort(hp string) (string, error) {
	host, portStr, err := net.SplitHostPort(hp)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port: %v", hp, err)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return "", fmt.Errorf("%q: bad port", hp)
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(strings.TrimSuffix(host, ".")) {
		return "", fmt.Errorf("%q: bad host", hp)
	}
	return normHost(host) + ":" + strconv.Itoa(int(port)), nil
}

// validHostname accepts LDH names (underscores allowed) of at most 253 bytes
// with labels of 1 to 63 bytes; the transport has already converted IDNs to
// their ASCII form.
func validHostname(name string) bool {
	if len(name) == 0 || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if len(label) == 0 || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// endsInNumber reports whether the last label of name is a number in the
// sense of the WHATWG URL standard (decimal digits, or 0x followed by hex
// digits), which URL parsers and resolvers may read as an IPv4 address.
func endsInNumber(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" {
		return false
	}
	digits, isHex := last, false
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		digits, isHex = last[2:], true
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case c >= '0' && c <= '9':
		case isHex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		default:
			return false
		}
	}
	return true
}

// forbiddenHeader reports whether a request header is dropped.
func forbiddenHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Content-Length", "Expect":
		return true
	}
	return strings.HasPrefix(strings.ToLower(name), "proxy-")
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' || c == 0 || (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
