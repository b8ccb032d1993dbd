package egress

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr    string
		refused bool
		hard    bool
		reason  string // substring of the reason when refused
	}{
		// IPv4 refused.
		{"0.0.0.0", true, true, "unspecified"},
		{"0.1.2.3", true, true, "unspecified"},
		{"10.0.0.1", true, false, "private"},
		{"100.64.0.1", true, false, "CGNAT"},
		{"100.127.255.255", true, false, "CGNAT"},
		{"100.100.100.200", true, true, "metadata"},
		{"127.0.0.1", true, false, "loopback"},
		{"127.255.255.254", true, false, "loopback"},
		{"168.63.129.16", true, true, "Azure"},
		{"169.254.169.254", true, true, "cloud metadata"},
		{"169.254.170.2", true, true, "ECS"},
		{"169.254.1.1", true, false, "link-local"},
		{"172.16.0.1", true, false, "private"},
		{"172.31.255.255", true, false, "private"},
		{"192.0.0.8", true, false, "IETF"},
		{"192.0.2.1", true, false, "documentation"},
		{"192.88.99.1", true, false, "6to4"},
		{"192.168.1.1", true, false, "private"},
		{"198.18.0.1", true, false, "benchmarking"},
		{"198.51.100.1", true, false, "documentation"},
		{"203.0.113.1", true, false, "documentation"},
		{"224.0.0.1", true, true, "multicast"},
		{"239.255.255.250", true, true, "multicast"},
		{"240.0.0.1", true, false, "reserved"},
		{"255.255.255.255", true, true, "broadcast"},
		// IPv4 allowed.
		{"8.8.8.8", false, false, ""},
		{"1.1.1.1", false, false, ""},
		{"93.184.216.34", false, false, ""},
		{"100.63.255.255", false, false, ""},
		{"100.128.0.0", false, false, ""},
		{"172.15.255.255", false, false, ""},
		{"172.32.0.0", false, false, ""},
		{"168.63.129.17", false, false, ""},
		// IPv6 refused.
		{"::", true, true, "unspecified"},
		{"::1", true, false, "loopback"},
		{"::ffff:127.0.0.1", true, false, "IPv4-mapped 127.0.0.1, which is loopback"},
		{"::ffff:7f00:1", true, false, "loopback"},
		{"::ffff:169.254.169.254", true, true, "metadata"},
		{"::ffff:10.1.2.3", true, false, "private"},
		{"::ffff:0.0.0.0", true, true, "unspecified"},
		{"::127.0.0.1", true, false, "IPv4-compatible"},
		{"::8.8.8.8", true, false, "IPv4-compatible"},
		{"::ffff:0:7f00:1", true, false, "IPv4-translated"},
		{"64:ff9b::7f00:1", true, false, "NAT64 (64:ff9b::/96) of 127.0.0.1, which is loopback"},
		{"64:ff9b::a9fe:a9fe", true, true, "169.254.169.254, which is cloud metadata"},
		{"64:ff9b::a00:1", true, false, "private"},
		{"64:ff9b:1::1", true, false, "local-use"},
		{"100::1", true, false, "discard"},
		{"2001::1", true, false, "Teredo"},
		{"2001:2::1", true, false, "IETF"},
		{"2001:db8::1", true, false, "documentation"},
		{"2002:7f00:1::1", true, false, "6to4"},
		{"3fff::1", true, false, "documentation"},
		{"5f00::1", true, false, "SRv6"},
		{"fd00:ec2::254", true, true, "AWS IMDS"},
		{"fd00:ec2::253", true, false, "unique local"},
		{"fc00::1", true, false, "unique local"},
		{"fdff:ffff::1", true, false, "unique local"},
		{"fe80::1", true, false, "link-local"},
		{"fe80::1%eth0", true, false, "link-local"},
		{"febf::1", true, false, "link-local"},
		{"fec0::1", true, false, "site-local"},
		{"ff02::1", true, true, "multicast"},
		{"4000::1", true, false, "global unicast"},
		{"1::1", true, false, "global unicast"},
		// IPv6 allowed.
		{"2606:4700:4700::1111", false, false, ""},
		{"2a00:1450:4001:80b::200e", false, false, ""},
		{"::ffff:8.8.8.8", false, false, ""},
		{"64:ff9b::808:808", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			v := classify(netip.MustParseAddr(tt.addr))
			if v.refused != tt.refused || v.hard != tt.hard {
				t.Fatalf("classify(%s) = %+v, want refused=%v hard=%v", tt.addr, v, tt.refused, tt.hard)
			}
			if tt.refused && !strings.Contains(v.reason, tt.reason) {
				t.Fatalf("classify(%s).reason = %q, want it to contain %q", tt.addr, v.reason, tt.reason)
			}
			if name := netip.MustParseAddr(tt.addr).WithZone("").String(); tt.refused && !strings.HasPrefix(v.reason, name+" is ") {
				t.Fatalf("classify(%s).reason = %q does not name the address", tt.addr, v.reason)
			}
		})
	}
}

func TestEndsInNumber(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"2130706433", true},
		{"0x7f.1", true},
		{"0x7f000001", true},
		{"0X7F.0.0.1", true},
		{"017700000001", true},
		{"127.1", true},
		{"0177.0.0.1", true},
		{"foo.0x", true},
		{"example.com", false},
		{"1e100.net", false},
		{"host-1", false},
		{"0xg", false},
		{"a.b.c1", false},
	}
	for _, tt := range tests {
		if got := endsInNumber(tt.name); got != tt.want {
			t.Errorf("endsInNumber(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidHostname(t *testing.T) {
	for _, h := range []string{"example.com", "a", "_srv.example", "xn--bcher-kva.example", "A-B.c"} {
		if !validHostname(h) {
			t.Errorf("validHostname(%q) = false", h)
		}
	}
	for _, h := range []string{"", "a..b", ".a", "a b", "a%b", "a/b", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "ab", "bücher.example"} {
		if validHostname(h) {
			t.Errorf("validHostname(%q) = true", h)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Policy{
		Allow:      []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		AllowHosts: []string{"localhost:8080", "[::1]:80", "devnet.internal.:443"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	for _, p := range []Policy{
		{Allow: []netip.Prefix{{}}},
		{AllowHosts: []string{"localhost"}},
		{AllowHosts: []string{"localhost:0"}},
		{AllowHosts: []string{"localhost:http"}},
		{AllowHosts: []string{"*.example:80"}},
		{MaxBody: -1},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
	}
}

func TestNormHostPort(t *testing.T) {
	tests := map[string]string{
		"LocalHost.:80":        "localhost:80",
		"[::ffff:127.0.0.1]:1": "127.0.0.1:1",
		"[::1]:443":            "::1:443",
		"10.0.0.1:08080":       "10.0.0.1:8080",
	}
	for in, want := range tests {
		got, err := normHostPort(in)
		if err != nil || got != want {
			t.Errorf("normHostPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
