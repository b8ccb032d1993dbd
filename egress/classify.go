package egress

import (
	"fmt"
	"net/netip"
)

// rule is one row of the refused-range table in the package documentation.
type rule struct {
	prefix netip.Prefix
	what   string
	hard   bool // AllowHosts cannot unlock it; only an Allow prefix can
}

// verdict is the result of classifying one address.
type verdict struct {
	refused bool
	hard    bool
	reason  string // e.g. "127.0.0.1 is loopback (127.0.0.0/8)"
}

func r(prefix, what string, hard bool) rule {
	return rule{prefix: netip.MustParsePrefix(prefix), what: what, hard: hard}
}

// v4Rules and v6Rules are scanned in order; the first match wins, so the
// specific rows (metadata addresses) come before the ranges containing them.
var v4Rules = []rule{
	r("0.0.0.0/8", "unspecified (\"this network\")", true),
	r("10.0.0.0/8", "private (RFC 1918)", false),
	r("100.100.100.200/32", "cloud metadata (Alibaba Cloud)", true),
	r("100.64.0.0/10", "shared address space / CGNAT (RFC 6598)", false),
	r("127.0.0.0/8", "loopback", false),
	r("168.63.129.16/32", "cloud metadata (Azure WireServer)", true),
	r("169.254.169.254/32", "cloud metadata", true),
	r("169.254.170.2/32", "cloud metadata (AWS ECS task credentials)", true),
	r("169.254.0.0/16", "link-local", false),
	r("172.16.0.0/12", "private (RFC 1918)", false),
	r("192.0.0.0/24", "IETF protocol assignments", false),
	r("192.0.2.0/24", "documentation (TEST-NET-1)", false),
	r("192.88.99.0/24", "6to4 relay anycast (deprecated)", false),
	r("192.168.0.0/16", "private (RFC 1918)", false),
	r("198.18.0.0/15", "benchmarking", false),
	r("198.51.100.0/24", "documentation (TEST-NET-2)", false),
	r("203.0.113.0/24", "documentation (TEST-NET-3)", false),
	r("224.0.0.0/4", "multicast", true),
	r("255.255.255.255/32", "broadcast", true),
	r("240.0.0.0/4", "reserved", false),
}

var v6Rules = []rule{
	r("::/128", "unspecified", true),
	r("::1/128", "loopback", false),
	// ::ffff:0:0/96 (IPv4-mapped) is handled before the table.
	r("::/96", "IPv4-compatible IPv6 (deprecated)", false),
	r("::ffff:0:0:0/96", "IPv4-translated IPv6", false),
	// 64:ff9b::/96 (NAT64 well-known prefix) is handled before the table.
	r("64:ff9b:1::/48", "NAT64 local-use prefix", false),
	r("100::/64", "discard-only", false),
	r("2001::/32", "Teredo (embeds IPv4)", false),
	r("2001::/23", "IETF protocol assignments", false),
	r("2001:db8::/32", "documentation", false),
	r("2002::/16", "6to4 (embeds IPv4, deprecated)", false),
	r("3fff::/20", "documentation", false),
	r("5f00::/16", "SRv6 SIDs", false),
	r("fd00:ec2::254/128", "cloud metadata (AWS IMDS)", true),
	r("fc00::/7", "unique local / private (RFC 4193)", false),
	r("fe80::/10", "link-local", false),
	r("fec0::/10", "site-local (deprecated)", false),
	r("ff00::/8", "multicast", true),
}

var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

func match(rules []rule, a netip.Addr) (rule, bool) {
	for _, ru := range rules {
		if ru.prefix.Contains(a) {
			return ru, true
		}
	}
	return rule{}, false
}

// classify tells whether a is in a refused range, ignoring any exception.
func classify(a netip.Addr) verdict {
	a = a.WithZone("")
	switch {
	case !a.IsValid():
		return verdict{refused: true, hard: true, reason: "invalid address"}
	case a.Is4():
		if ru, ok := match(v4Rules, a); ok {
			return verdict{true, ru.hard, fmt.Sprintf("%s is %s (%s)", a, ru.what, ru.prefix)}
		}
		return verdict{}
	case a.Is4In6():
		v4 := a.Unmap()
		if ru, ok := match(v4Rules, v4); ok {
			return verdict{true, ru.hard, fmt.Sprintf("%s is IPv4-mapped %s, which is %s (%s)", a, v4, ru.what, ru.prefix)}
		}
		return verdict{}
	case nat64WellKnown.Contains(a):
		b := a.As16()
		v4 := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		if ru, ok := match(v4Rules, v4); ok {
			return verdict{true, ru.hard, fmt.Sprintf("%s is NAT64 (%s) of %s, which is %s (%s)", a, nat64WellKnown, v4, ru.what, ru.prefix)}
		}
		return verdict{}
	}
	if ru, ok := match(v6Rules, a); ok {
		return verdict{true, ru.hard, fmt.Sprintf("%s is %s (%s)", a, ru.what, ru.prefix)}
	}
	if !globalUnicast6.Contains(a) {
		return verdict{true, false, fmt.Sprintf("%s is not IPv6 global unicast (outside %s)", a, globalUnicast6)}
	}
	return verdict{}
}
