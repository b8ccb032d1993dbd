// Package egress makes outbound HTTP requests on behalf of untrusted code (AI
// agents calling fetch(url, init) inside TEE workers) under an egress policy
// that keeps them away from the worker's own host, its private networks and
// the cloud metadata services.
//
// # How addresses are checked
//
// Every connection is opened by a custom dialer that receives the URL's
// host:port, resolves the host once, checks every resolved address against
// the table below and then dials exactly the checked IP address (never the
// name). A name that resolves to several addresses is refused as a whole if
// any of them is refused, so a mixed answer cannot be used to sneak a private
// address in. Because the IP that was checked is the IP that is dialed, DNS
// rebinding (a name that answers a public address to the check and a private
// one to the connect) cannot work. The check runs for the first request and
// again for every redirect hop, since each hop opens a new connection
// (keep-alives are disabled, so no connection outlives its request). TLS
// still verifies the certificate against the URL's host name.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged by the IPv4 address
// they carry, and so are NAT64 addresses in the well-known prefix
// 64:ff9b::/96: 64:ff9b::7f00:1 is refused because it is 127.0.0.1. Host names
// that end in a number (2130706433, 0x7f.1, 127.1, 0177.0.0.1, 1.2.3.4.) are
// refused outright: resolvers and URL parsers disagree on whether and how they
// denote IPv4 addresses, and no real host name ends in a numeric label. The
// names localhost and *.localhost are never sent to DNS; they resolve to
// 127.0.0.1 and ::1 as RFC 6761 recommends, and are then refused as loopback
// unless an exception allows them.
//
// # Refused ranges
//
// The first matching row wins. "Hard" rows cannot be unlocked by
// Policy.AllowHosts, only by a Policy.Allow prefix that contains the address.
//
//	Range                 Reason                                        Hard
//	--------------------  --------------------------------------------  ----
//	0.0.0.0/8             unspecified / "this network" (RFC 1122)       yes
//	10.0.0.0/8            private (RFC 1918)
//	100.100.100.200/32    cloud metadata (Alibaba Cloud)                yes
//	100.64.0.0/10         shared address space / CGNAT (RFC 6598)
//	127.0.0.0/8           loopback (RFC 1122)
//	168.63.129.16/32      cloud metadata (Azure WireServer)             yes
//	169.254.169.254/32    cloud metadata (AWS, GCP, Azure, OCI, ...)    yes
//	169.254.170.2/32      cloud metadata (AWS ECS task credentials)     yes
//	169.254.0.0/16        link-local (RFC 3927)
//	172.16.0.0/12         private (RFC 1918)
//	192.0.0.0/24          IETF protocol assignments (RFC 6890)
//	192.0.2.0/24          documentation TEST-NET-1 (RFC 5737)
//	192.88.99.0/24        6to4 relay anycast, deprecated (RFC 7526)
//	192.168.0.0/16        private (RFC 1918)
//	198.18.0.0/15         benchmarking (RFC 2544)
//	198.51.100.0/24       documentation TEST-NET-2 (RFC 5737)
//	203.0.113.0/24        documentation TEST-NET-3 (RFC 5737)
//	224.0.0.0/4           multicast (RFC 5771)                          yes
//	255.255.255.255/32    limited broadcast (RFC 919)                   yes
//	240.0.0.0/4           reserved (RFC 1112)
//	::/128                unspecified (RFC 4291)                        yes
//	::1/128               loopback (RFC 4291)
//	::ffff:0:0/96         IPv4-mapped: judged as the embedded IPv4      (as IPv4)
//	::/96                 IPv4-compatible, deprecated (RFC 4291)
//	::ffff:0:0:0/96       IPv4-translated (RFC 2765)
//	64:ff9b::/96          NAT64 well-known prefix: refused when the     (as IPv4)
//	                      embedded IPv4 is refused (RFC 6052)
//	64:ff9b:1::/48        NAT64 local-use prefix (RFC 8215)
//	100::/64              discard-only (RFC 6666)
//	2001::/32             Teredo, embeds IPv4 (RFC 4380)
//	2001::/23             IETF protocol assignments (RFC 2928)
//	2001:db8::/32         documentation (RFC 3849)
//	2002::/16             6to4, embeds IPv4, deprecated (RFC 3056)
//	3fff::/20             documentation (RFC 9637)
//	5f00::/16             SRv6 SIDs (RFC 9602)
//	fd00:ec2::254/128     cloud metadata (AWS IMDS over IPv6)           yes
//	fc00::/7              unique local / private (RFC 4193)
//	fe80::/10             link-local (RFC 4291)
//	fec0::/10             site-local, deprecated (RFC 3879)
//	ff00::/8              multicast (RFC 4291)                          yes
//	not in 2000::/3       not IPv6 global unicast (RFC 4291)
//
// metadata.google.internal and the other metadata host names need no row of
// their own: they resolve to 169.254.169.254, which is refused.
//
// # Exceptions
//
// Policy.Allow lists prefixes that are allowed even though they are in a
// refused range, for any host name and any port; an IPv4 prefix also matches
// the IPv4-mapped form of its addresses. Policy.AllowHosts lists exact
// "host:port" pairs: when the URL's host (compared case-insensitively, without
// a trailing dot; IP literals compared as addresses) and port both match an
// entry, every address the host resolves to is allowed except those in hard
// rows. Entries are not wildcards, the port is required, and a malformed entry
// matches nothing (Policy.Validate reports it). These exceptions exist for
// tests and devnets that must reach a local server; production policies should
// leave them empty.
//
// # Other rules
//
//   - Only http and https URLs are accepted, for the first request and for
//     every redirect (ErrScheme).
//   - URLs with userinfo (http://user:pass@host/) are refused with
//     ErrInvalidRequest: they are a classic way to make a URL look like it
//     points somewhere it does not (http://trusted.example@evil.example/), and
//     credentials embedded in URLs leak into logs; an agent that needs
//     credentials sets an Authorization header.
//   - Proxy settings from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)
//     are ignored: with a proxy the dialer would connect to the proxy and the
//     proxy would resolve and connect to the target, so none of the checks
//     above would apply to the address actually reached.
//   - There is no cookie jar; the only cookies sent are those set explicitly
//     in Request.Headers.
//   - The request headers Host, Connection, Keep-Alive, Proxy-*,
//     Transfer-Encoding, TE, Trailer, Upgrade, Content-Length and Expect are
//     silently dropped: the Host header is always the URL's host, framing is
//     computed from Request.Body, and hop-by-hop headers belong to the worker.
//   - Methods are GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS (case
//     insensitive); GET and HEAD requests cannot carry a body.
//   - Responses are HTTP/1.1; a gzip-encoded response is decompressed
//     transparently unless the request set Accept-Encoding itself, and
//     Policy.MaxBody bounds the decompressed size.
package egress
