package egress

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var loopback4 = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// serverPort returns the port of a test server listening on 127.0.0.1.
func serverPort(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// mapLookup resolves names from a fixed table and counts its calls.
type mapLookup struct {
	mu    sync.Mutex
	calls int
	names map[string][]netip.Addr
}

func (m *mapLookup) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if a, ok := m.names[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (m *mapLookup) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// noDial makes any dial fail the test: refused requests must not touch the network.
func noDial(t *testing.T) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, _, address string) (net.Conn, error) {
		t.Errorf("unexpected dial to %s", address)
		return nil, errors.New("dial not allowed in this test")
	}
}

// redirectTo dials target whatever address was asked for, and records the
// addresses asked for.
type redirectDialer struct {
	mu     sync.Mutex
	target string
	dialed []string
}

func (d *redirectDialer) dial(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, address)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.target)
}

func (d *redirectDialer) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dialed...)
}

func okServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRefused(t *testing.T) {
	srv := okServer(t)
	port := serverPort(t, srv)
	dns := map[string][]netip.Addr{
		"rebind.test":              addrs("127.0.0.1"),
		"meta.test":                addrs("169.254.169.254"),
		"metadata.google.internal": addrs("169.254.169.254"),
		"mixed.test":               addrs("93.184.216.34", "10.0.0.1"),
		"v6.test":                  addrs("::1"),
		"mapped.test":              addrs("::ffff:127.0.0.1"),
		"nat64.test":               addrs("64:ff9b::7f00:1"),
		"ula.test":                 addrs("fd12:3456::1"),
	}
	tests := []struct {
		name   string
		url    string
		policy Policy
		want   error
		msg    string // substring of the error message
	}{
		{name: "loopback", url: "http://127.0.0.1:" + port + "/", want: ErrRefused, msg: `host "127.0.0.1": 127.0.0.1 is loopback`},
		{name: "localhost", url: "http://localhost:" + port + "/", want: ErrRefused, msg: `host "localhost": 127.0.0.1 is loopback`},
		{name: "localhost upper trailing dot", url: "http://LOCALHOST.:" + port + "/", want: ErrRefused, msg: "loopback"},
		{name: "sub.localhost", url: "http://agent.localhost/", want: ErrRefused, msg: "loopback"},
		{name: "ipv6 loopback", url: "http://[::1]:" + port + "/", want: ErrRefused, msg: "::1 is loopback"},
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data", want: ErrRefused, msg: "169.254.169.254 is cloud metadata"},
		{name: "aws imds v6", url: "http://[fd00:ec2::254]/latest/meta-data", want: ErrRefused, msg: "cloud metadata"},
		{name: "alibaba metadata", url: "http://100.100.100.200/latest/meta-data", want: ErrRefused, msg: "metadata"},
		{name: "rfc1918 10", url: "http://10.0.0.1/", want: ErrRefused, msg: "private"},
		{name: "rfc1918 192.168", url: "http://192.168.1.1/", want: ErrRefused, msg: "private"},
		{name: "rfc1918 172.16", url: "http://172.16.0.1/", want: ErrRefused, msg: "private"},
		{name: "link-local v6", url: "http://[fe80::1]/", want: ErrRefused, msg: "link-local"},
		{name: "link-local v6 zone", url: "http://[fe80::1%25eth0]/", want: ErrRefused, msg: "link-local"},
		{name: "ula", url: "http://[fc00::1]/", want: ErrRefused, msg: "unique local"},
		{name: "unspecified v4", url: "http://0.0.0.0:" + port + "/", want: ErrRefused, msg: "unspecified"},
		{name: "unspecified v6", url: "http://[::]:" + port + "/", want: ErrRefused, msg: "unspecified"},
		{name: "mapped loopback", url: "http://[::ffff:127.0.0.1]:" + port + "/", want: ErrRefused, msg: `host "::ffff:127.0.0.1": ::ffff:127.0.0.1 is IPv4-mapped 127.0.0.1, which is loopback`},
		{name: "mapped loopback hex", url: "http://[::ffff:7f00:1]:" + port + "/", want: ErrRefused, msg: "loopback"},
		{name: "mapped metadata", url: "http://[::ffff:169.254.169.254]/", want: ErrRefused, msg: "metadata"},
		{name: "nat64 loopback", url: "http://[64:ff9b::7f00:1]/", want: ErrRefused, msg: "NAT64"},
		{name: "cgnat", url: "http://100.64.0.1/", want: ErrRefused, msg: "CGNAT"},
		{name: "multicast", url: "http://224.0.0.1/", want: ErrRefused, msg: "multicast"},
		{name: "broadcast", url: "http://255.255.255.255/", want: ErrRefused, msg: "broadcast"},
		{name: "dns to loopback", url: "http://rebind.test:" + port + "/", want: ErrRefused, msg: `host "rebind.test": 127.0.0.1 is loopback`},
		{name: "dns to metadata", url: "http://meta.test/", want: ErrRefused, msg: `host "meta.test": 169.254.169.254 is cloud metadata`},
		{name: "metadata.google.internal", url: "http://metadata.google.internal/computeMetadata/v1/", want: ErrRefused, msg: "169.254.169.254"},
		{name: "dns mixed answer", url: "http://mixed.test/", want: ErrRefused, msg: "10.0.0.1 is private"},
		{name: "dns to v6 loopback", url: "http://v6.test/", want: ErrRefused, msg: "::1 is loopback"},
		{name: "dns to mapped", url: "http://mapped.test/", want: ErrRefused, msg: "::ffff:127.0.0.1 is IPv4-mapped 127.0.0.1, which is loopback"},
		{name: "dns to nat64", url: "http://nat64.test/", want: ErrRefused, msg: "NAT64"},
		{name: "dns to ula", url: "http://ula.test/", want: ErrRefused, msg: "unique local"},
		{name: "decimal ipv4", url: "http://2130706433:" + port + "/", want: ErrRefused, msg: `"2130706433"`},
		{name: "hex ipv4", url: "http://0x7f.1:" + port + "/", want: ErrRefused, msg: `"0x7f.1"`},
		{name: "hex ipv4 whole", url: "http://0x7f000001/", want: ErrRefused, msg: "numeric"},
		{name: "hex ipv4 upper", url: "http://0X7F.0.0.1/", want: ErrRefused, msg: "numeric"},
		{name: "octal ipv4", url: "http://0177.0.0.1/", want: ErrRefused, msg: "numeric"},
		{name: "octal ipv4 whole", url: "http://017700000001/", want: ErrRefused, msg: "numeric"},
		{name: "short ipv4", url: "http://127.1/", want: ErrRefused, msg: "numeric"},
		{name: "trailing dot ipv4", url: "http://127.0.0.1./", want: ErrRefused, msg: "numeric"},
		{name: "allow other prefix", url: "http://127.0.0.1:" + port + "/", policy: Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, want: ErrRefused},
		{name: "allow other port", url: "http://127.0.0.1:" + port + "/", policy: Policy{AllowHosts: []string{"127.0.0.1:1"}}, want: ErrRefused},
		{name: "allow other host", url: "http://localhost:" + port + "/", policy: Policy{AllowHosts: []string{"127.0.0.1:" + port}}, want: ErrRefused},
		{name: "allowhosts cannot unlock metadata", url: "http://meta.test/", policy: Policy{AllowHosts: []string{"meta.test:80"}}, want: ErrRefused, msg: "AllowHosts cannot unlock"},
		{name: "allowhosts cannot unlock unspecified", url: "http://0.0.0.0:" + port + "/", policy: Policy{AllowHosts: []string{"0.0.0.0:" + port}}, want: ErrRefused, msg: "unspecified"},
		{name: "file", url: "file:///etc/passwd", want: ErrScheme},
		{name: "gopher", url: "gopher://127.0.0.1:70/", want: ErrScheme},
		{name: "ftp", url: "ftp://example.com/", want: ErrScheme},
		{name: "javascript", url: "javascript:alert(1)", want: ErrScheme},
		{name: "no scheme", url: "example.com/", want: ErrScheme},
		{name: "scheme relative", url: "//example.com/", want: ErrScheme},
		{name: "userinfo", url: "http://user:pass@example.com/", want: ErrInvalidRequest, msg: "userinfo"},
		{name: "userinfo confusion", url: "http://example.com@127.0.0.1/", want: ErrInvalidRequest},
		{name: "no host", url: "http:///path", want: ErrInvalidRequest},
		{name: "opaque", url: "http:example.com", want: ErrInvalidRequest},
		{name: "bad host", url: "http://exa%20mple.com/", want: ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lk := &mapLookup{names: dns}
			tt.policy.Lookup = lk.lookup
			s := NewSession(tt.policy)
			s.dial = noDial(t)
			resp, err := s.Do(context.Background(), Request{URL: tt.url})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Do(%s) = %v, %v; want %v", tt.url, resp, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Do(%s) error %q does not contain %q", tt.url, err, tt.msg)
			}
			t.Log(err)
			if n := lk.count(); n > 1 {
				t.Fatalf("%d lookups, want at most 1", n)
			}
		})
	}
}

func TestNumericHostsNotResolved(t *testing.T) {
	lk := &mapLookup{names: map[string][]netip.Addr{}}
	s := NewSession(Policy{Lookup: lk.lookup, MaxRequests: 100})
	s.dial = noDial(t)
	for _, u := range []string{"http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://localhost/", "http://127.0.0.1/", "http://[::1]/"} {
		if _, err := s.Do(context.Background(), Request{URL: u}); !errors.Is(err, ErrRefused) {
			t.Errorf("Do(%s) = %v, want ErrRefused", u, err)
		}
	}
	if n := lk.count(); n != 0 {
		t.Fatalf("lookup called %d times, want 0 (literals and localhost never reach DNS)", n)
	}
}

func TestAllowed(t *testing.T) {
	type seen struct {
		method, host, body string
		header             http.Header
	}
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.Host, string(b), r.Header.Clone()}
		w.Header().Set("X-Reply", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello "+r.URL.Query().Get("q"))
	}))
	defer srv.Close()
	port := serverPort(t, srv)

	s := NewSession(Policy{Allow: loopback4})
	resp, err := s.Do(context.Background(), Request{
		Method: "post",
		URL:    srv.URL + "/path?q=agent#frag",
		Headers: map[string]string{
			"X-Agent":             "a1",
			"Authorization":       "Bearer t",
			"Host":                "evil.example",
			"connection":          "upgrade",
			"Proxy-Authorization": "Basic eA==",
			"Proxy-Connection":    "keep-alive",
			"Transfer-Encoding":   "chunked",
			"Upgrade":             "websocket",
			"Content-Length":      "99",
			"TE":                  "trailers",
		},
		Body: []byte("payload"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusCreated || string(resp.Body) != "hello agent" {
		t.Fatalf("resp = %d %q", resp.Status, resp.Body)
	}
	if resp.Headers["x-reply"] != "yes" || resp.Headers["x-multi"] != "a, b" {
		t.Fatalf("headers = %v", resp.Headers)
	}
	if want := srv.URL + "/path?q=agent"; resp.URL != want {
		t.Fatalf("URL = %q, want %q", resp.URL, want)
	}
	if got.method != "POST" || got.body != "payload" || got.host != "127.0.0.1:"+port {
		t.Fatalf("server saw %+v", got)
	}
	if got.header.Get("X-Agent") != "a1" || got.header.Get("Authorization") != "Bearer t" {
		t.Fatalf("server headers = %v", got.header)
	}
	for _, h := range []string{"Proxy-Authorization", "Proxy-Connection", "Upgrade", "Te"} {
		if v := got.header.Get(h); v != "" {
			t.Errorf("header %s = %q reached the server", h, v)
		}
	}
	if v := got.header.Get("Connection"); v != "" && !strings.EqualFold(v, "close") {
		t.Errorf("Connection = %q reached the server", v)
	}

	// AllowHosts: exact host and port.
	for _, p := range []Policy{
		{AllowHosts: []string{"127.0.0.1:" + port}},
		{AllowHosts: []string{"[::ffff:127.0.0.1]:" + port}},
	} {
		s := NewSession(p)
		if _, err := s.Do(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatalf("%v: %v", p.AllowHosts, err)
		}
	}
	s = NewSession(Policy{AllowHosts: []string{"LocalHost.:" + port}})
	if resp, err := s.Do(context.Background(), Request{URL: "http://localhost:" + port + "/?q=l"}); err != nil || string(resp.Body) != "hello l" {
		t.Fatalf("localhost via AllowHosts: %v, %v", resp, err)
	}
}

func TestAllowExplicitMetadata(t *testing.T) {
	srv := okServer(t)
	// An explicit Allow prefix unlocks even a hard range.
	s := NewSession(Policy{Allow: []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}})
	d := &redirectDialer{target: srv.Listener.Addr().String()}
	s.dial = d.dial
	if _, err := s.Do(context.Background(), Request{URL: "http://[::ffff:169.254.169.254]/"}); err != nil {
		t.Fatal(err)
	}
	if got := d.list(); len(got) != 1 || got[0] != "169.254.169.254:80" {
		t.Fatalf("dialed %v", got)
	}
}

func TestRequestValidation(t *testing.T) {
	s := NewSession(Policy{MaxRequests: 1, MaxRequestBody: 1024})
	s.dial = noDial(t)
	tests := []struct {
		name string
		req  Request
		want error
	}{
		{"connect", Request{Method: "CONNECT", URL: "http://example.com/"}, ErrInvalidRequest},
		{"trace", Request{Method: "TRACE", URL: "http://example.com/"}, ErrInvalidRequest},
		{"bad method", Request{Method: "GE T", URL: "http://example.com/"}, ErrInvalidRequest},
		{"get with body", Request{URL: "http://example.com/", Body: []byte("x")}, ErrInvalidRequest},
		{"header injection", Request{URL: "http://example.com/", Headers: map[string]string{"X": "a\r\nX-Injected: 1"}}, ErrInvalidRequest},
		{"bad header name", Request{URL: "http://example.com/", Headers: map[string]string{"X Y": "a"}}, ErrInvalidRequest},
		{"request body too large", Request{Method: "POST", URL: "http://example.com/", Body: make([]byte, 1025)}, ErrTooLarge},
		{"bad url", Request{URL: "http://[::1/"}, ErrInvalidRequest},
	}
	for _, tt := range tests {
		if _, err := s.Do(context.Background(), tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// None of the above consumed the budget of 1.
	if _, err := s.Do(context.Background(), Request{URL: "http://127.0.0.1/"}); !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-mapped", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::ffff:a9fe:a9fe]/", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/to-userinfo", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://a:b@"+r.Host+"/done", http.StatusFound)
	})
	mux.HandleFunc("/to-localhost", func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		http.Redirect(w, r, "http://localhost:"+port+"/done", http.StatusFound)
	})
	mux.HandleFunc("/loop/", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/loop/"))
		if r.URL.Query().Get("stop") == strconv.Itoa(n) {
			io.WriteString(w, "end "+strconv.Itoa(n))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/loop/%d?%s", n+1, r.URL.RawQuery), http.StatusFound)
	})
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := serverPort(t, srv)

	t.Run("into refused address", func(t *testing.T) {
		for _, path := range []string{"/to-metadata", "/to-mapped"} {
			s := NewSession(Policy{Allow: loopback4})
			d := &redirectDialer{target: srv.Listener.Addr().String()}
			s.dial = d.dial
			_, err := s.Do(context.Background(), Request{URL: srv.URL + path})
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "169.254.169.254") {
				t.Fatalf("%s: err = %v, want ErrRefused naming 169.254.169.254", path, err)
			}
			if got := d.list(); len(got) != 1 || got[0] != "127.0.0.1:"+port {
				t.Fatalf("%s: dialed %v, want only the allowed server", path, got)
			}
		}
	})
	t.Run("into a host AllowHosts does not name", func(t *testing.T) {
		s := NewSession(Policy{AllowHosts: []string{"127.0.0.1:" + port}})
		_, err := s.Do(context.Background(), Request{URL: srv.URL + "/to-localhost"})
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("err = %v, want ErrRefused", err)
		}
	})
	t.Run("into file scheme", func(t *testing.T) {
		s := NewSession(Policy{Allow: loopback4})
		if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/to-file"}); !errors.Is(err, ErrScheme) {
			t.Fatalf("err = %v, want ErrScheme", err)
		}
	})
	t.Run("into userinfo", func(t *testing.T) {
		s := NewSession(Policy{Allow: loopback4})
		if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/to-userinfo"}); !errors.Is(err, ErrInvalidRequest) {
			t.Fatalf("err = %v, want ErrInvalidRequest", err)
		}
	})
	t.Run("too many", func(t *testing.T) {
		hits.Store(0)
		s := NewSession(Policy{Allow: loopback4, MaxRedirects: 3})
		_, err := s.Do(context.Background(), Request{URL: srv.URL + "/loop/0"})
		if !errors.Is(err, ErrRedirects) {
			t.Fatalf("err = %v, want ErrRedirects", err)
		}
		if n := hits.Load(); n != 4 {
			t.Fatalf("server hit %d times, want 4 (first request and 3 redirects)", n)
		}
	})
	t.Run("default limit", func(t *testing.T) {
		hits.Store(0)
		s := NewSession(Policy{Allow: loopback4})
		if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/loop/0"}); !errors.Is(err, ErrRedirects) {
			t.Fatalf("err = %v, want ErrRedirects", err)
		}
		if n := hits.Load(); n != DefaultMaxRedirects+1 {
			t.Fatalf("server hit %d times, want %d", n, DefaultMaxRedirects+1)
		}
	})
	t.Run("within limit", func(t *testing.T) {
		s := NewSession(Policy{Allow: loopback4, MaxRedirects: 3, MaxRequests: 1})
		resp, err := s.Do(context.Background(), Request{URL: srv.URL + "/loop/0?stop=3"})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "end 3" || resp.URL != srv.URL+"/loop/3?stop=3" {
			t.Fatalf("resp = %q at %s", resp.Body, resp.URL)
		}
	})
	t.Run("not followed", func(t *testing.T) {
		s := NewSession(Policy{Allow: loopback4, MaxRedirects: -1})
		resp, err := s.Do(context.Background(), Request{URL: srv.URL + "/to-metadata"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusFound || resp.Headers["location"] != "http://169.254.169.254/latest/meta-data/" {
			t.Fatalf("resp = %d %v", resp.Status, resp.Headers)
		}
	})
	t.Run("307 keeps method and body", func(t *testing.T) {
		s := NewSession(Policy{Allow: loopback4})
		resp, err := s.Do(context.Background(), Request{Method: "PUT", URL: srv.URL + "/post", Body: []byte("data")})
		if err != nil || string(resp.Body) != "PUT data" {
			t.Fatalf("resp = %v, %v", resp, err)
		}
	})
}

func TestMaxRequests(t *testing.T) {
	srv := okServer(t)
	s := NewSession(Policy{Allow: loopback4, MaxRequests: 2})
	for i := 0; i < 2; i++ {
		if _, err := s.Do(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Do(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrTooMany) {
		t.Fatalf("err = %v, want ErrTooMany", err)
	}

	// Refused requests count too: probing is not free.
	s = NewSession(Policy{Allow: loopback4, MaxRequests: 1})
	if _, err := s.Do(context.Background(), Request{URL: "http://10.0.0.1/"}); !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if _, err := s.Do(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrTooMany) {
		t.Fatalf("err = %v, want ErrTooMany", err)
	}

	// Concurrent callers share the budget exactly.
	s = NewSession(Policy{Allow: loopback4, MaxRequests: 5})
	var ok, tooMany atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Do(context.Background(), Request{URL: srv.URL})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrTooMany):
				tooMany.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 5 || tooMany.Load() != 7 {
		t.Fatalf("ok=%d tooMany=%d, want 5 and 7", ok.Load(), tooMany.Load())
	}
}

func TestMaxBody(t *testing.T) {
	var streamed atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for streamed.Load() < 1<<30 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			streamed.Add(int64(len(chunk)))
		}
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("y"), 4096))
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 8<<20))
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(buf.Bytes())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s := NewSession(Policy{Allow: loopback4, MaxBody: 4096, Timeout: 5 * time.Second})
	start := time.Now()
	if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/endless"}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("endless: err = %v, want ErrTooLarge", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("endless: took %v", d)
	}
	if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/declared"}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "Content-Length") {
		t.Fatalf("declared: err = %v, want ErrTooLarge from Content-Length", err)
	}
	if resp, err := s.Do(context.Background(), Request{URL: srv.URL + "/exact"}); err != nil || len(resp.Body) != 4096 {
		t.Fatalf("exact: %v", err)
	}
	if _, err := s.Do(context.Background(), Request{URL: srv.URL + "/gzip"}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("gzip: err = %v, want ErrTooLarge on the decompressed size", err)
	}
	srv.CloseClientConnections()
	if n := streamed.Load(); n >= 1<<30 {
		t.Fatalf("server streamed %d bytes: the client read everything", n)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/slow-body", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)

	for _, path := range []string{"/slow-headers", "/slow-body"} {
		s := NewSession(Policy{Allow: loopback4, Timeout: 100 * time.Millisecond})
		start := time.Now()
		_, err := s.Do(context.Background(), Request{URL: srv.URL + path})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: err = %v, want context.DeadlineExceeded", path, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: took %v", path, d)
		}
	}

	for _, path := range []string{"/slow-headers", "/slow-body"} {
		s := NewSession(Policy{Allow: loopback4})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := s.Do(ctx, Request{URL: srv.URL + path})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err = %v, want context.Canceled", path, err)
		}
	}

	// A context cancelled before the call never dials.
	s := NewSession(Policy{Allow: loopback4})
	s.dial = noDial(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Do(ctx, Request{URL: srv.URL}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestDNSRebinding(t *testing.T) {
	var hosts []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		if r.URL.Path == "/again" {
			http.Redirect(w, r, "/done", http.StatusFound)
			return
		}
		io.WriteString(w, "public")
	}))
	defer srv.Close()
	port := serverPort(t, srv)

	// The first answer is public, every later one is loopback.
	var lookups atomic.Int32
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "rebind.test" {
			return nil, errors.New("unexpected host " + host)
		}
		if lookups.Add(1) == 1 {
			return addrs("93.184.216.34"), nil
		}
		return addrs("127.0.0.1"), nil
	}
	s := NewSession(Policy{Lookup: lookup})
	// Stand-in for the network: "93.184.216.34" is the test server.
	d := &redirectDialer{target: srv.Listener.Addr().String()}
	s.dial = d.dial

	resp, err := s.Do(context.Background(), Request{URL: "http://rebind.test:" + port + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "public" {
		t.Fatalf("body = %q", resp.Body)
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("%d lookups for one request, want 1", n)
	}
	if got := d.list(); len(got) != 1 || got[0] != "93.184.216.34:"+port {
		t.Fatalf("dialed %v, want exactly the checked IP", got)
	}
	if len(hosts) != 1 || hosts[0] != "rebind.test:"+port {
		t.Fatalf("server saw Host %v, want the name", hosts)
	}

	// The next request resolves again, gets loopback and is refused before dialing.
	_, err = s.Do(context.Background(), Request{URL: "http://rebind.test:" + port + "/"})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if n := lookups.Load(); n != 2 {
		t.Fatalf("%d lookups after two requests, want 2", n)
	}
	if got := d.list(); len(got) != 1 {
		t.Fatalf("dialed %v after the refusal", got)
	}

	// A redirect to the same name opens a new connection, so it is checked again.
	lookups.Store(0)
	_, err = s.Do(context.Background(), Request{URL: "http://rebind.test:" + port + "/again"})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("redirect: err = %v, want ErrRefused", err)
	}
	if got := d.list(); len(got) != 2 || got[1] != "93.184.216.34:"+port {
		t.Fatalf("dialed %v", got)
	}
}

func TestTLSServerNameIsHost(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure "+r.Host)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake below is expected
	srv.StartTLS()
	defer srv.Close()
	port := serverPort(t, srv)
	lk := &mapLookup{names: map[string][]netip.Addr{
		"example.com": addrs("127.0.0.1"), // the test certificate is for example.com
		"other.test":  addrs("127.0.0.1"),
	}}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	s := NewSession(Policy{Allow: loopback4, Lookup: lk.lookup})
	s.transport.TLSClientConfig.RootCAs = pool
	resp, err := s.Do(context.Background(), Request{URL: "https://example.com:" + port + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "secure example.com:"+port {
		t.Fatalf("body = %q", resp.Body)
	}
	// The same IP under a name the certificate does not cover fails
	// verification: the dial used the IP, but TLS checked the name.
	_, err = s.Do(context.Background(), Request{URL: "https://other.test:" + port + "/"})
	var certErr x509.HostnameError
	if !errors.As(err, &certErr) {
		t.Fatalf("err = %v, want a certificate host name error", err)
	}
}

func TestEnvironmentProxyIgnored(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		io.WriteString(w, "from proxy")
	}))
	defer proxy.Close()
	srv := okServer(t)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	lk := &mapLookup{names: map[string][]netip.Addr{"public.test": addrs("93.184.216.34")}}
	s := NewSession(Policy{Allow: loopback4, Lookup: lk.lookup})
	d := &redirectDialer{target: srv.Listener.Addr().String()}
	s.dial = d.dial
	resp, err := s.Do(context.Background(), Request{URL: "http://public.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || proxied.Load() != 0 {
		t.Fatalf("body %q, proxy hits %d", resp.Body, proxied.Load())
	}
	if got := d.list(); len(got) != 1 || got[0] != "93.184.216.34:80" {
		t.Fatalf("dialed %v", got)
	}
}

func TestDialFallsBackAcrossCheckedAddresses(t *testing.T) {
	srv := okServer(t)
	lk := &mapLookup{names: map[string][]netip.Addr{"multi.test": addrs("93.184.216.34", "93.184.216.35")}}
	s := NewSession(Policy{Lookup: lk.lookup})
	var dialed []string
	s.dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		dialed = append(dialed, address)
		if strings.HasPrefix(address, "93.184.216.34:") {
			return nil, errors.New("connection refused")
		}
		var nd net.Dialer
		return nd.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	if _, err := s.Do(context.Background(), Request{URL: "http://multi.test/"}); err != nil {
		t.Fatal(err)
	}
	if len(dialed) != 2 || dialed[1] != "93.184.216.35:80" || lk.count() != 1 {
		t.Fatalf("dialed %v with %d lookups", dialed, lk.count())
	}
}
