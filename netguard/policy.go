// Package netguard is the outbound address policy: which addresses a
// request to a URL that a user gave may reach. By default it refuses every
// address that is not plainly on the public internet — loopback, private
// (RFC 1918), shared (CGNAT), link-local (cloud metadata at
// 169.254.169.254), multicast, unspecified, broadcast, documentation and
// reserved ranges, IPv6 unique-local and link-local — and IPv6 forms that
// carry such an IPv4 address inside (IPv4-mapped, NAT64, 6to4). An
// operator whose receivers live on a private network opens CIDRs with an
// allow-list.
//
// The policy is enforced when connecting (Dialer, whose net.Dialer Control
// hook checks the very address a socket connects to), so no host name,
// DNS answer that changes between checks (rebinding) or odd spelling of an
// address gets round it. CheckHost refuses a literal address or a name of
// this machine early, when the URL is given.
package netguard

import (
	"fmt"
	"net/netip"
	"strings"
)

// Policy decides which addresses outbound requests may reach. The zero
// Policy refuses every address that is not public.
type Policy struct {
	// Allow lists prefixes that may be reached despite the policy, such as
	// a private network the operator's receivers live on.
	Allow []netip.Prefix
}

// BlockedError is an address the policy refuses, and why. Host is the
// name or spelling it was reached through, when that is not the address.
type BlockedError struct {
	Host   string
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	subject := e.Addr.String()
	if e.Host != "" && e.Host != subject {
		subject = e.Host + " (" + subject + ")"
	}
	return fmt.Sprintf("%s is %s, which outbound requests may not reach unless the operator allows it", subject, e.Reason)
}

// Check answers a *BlockedError when a may not be reached, nil when it may.
func (p Policy) Check(a netip.Addr) error {
	if reason := p.refusal(a); reason != "" {
		return &BlockedError{Addr: a, Reason: reason}
	}
	return nil
}

// Allowed reports whether a is inside the allow-list.
func (p Policy) Allowed(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, pre := range p.Allow {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// refusal is why a is refused, or "" when it may be reached. An IPv4
// address is the same host however IPv6 spells it, so mapped forms are
// judged as IPv4, and the IPv4 address inside a translation or tunnel
// prefix is judged as if it were reached directly.
func (p Policy) refusal(a netip.Addr) string {
	if !a.IsValid() {
		return "not an address"
	}
	a = a.WithZone("").Unmap()
	if p.Allowed(a) {
		return ""
	}
	if a.Is4() {
		for _, r := range ranges4 {
			if r.prefix.Contains(a) {
				return r.reason
			}
		}
		return ""
	}
	for _, r := range ranges6 {
		if !r.prefix.Contains(a) {
			continue
		}
		if r.embedded == nil {
			return r.reason
		}
		inner := r.embedded(a)
		if why := p.refusal(inner); why != "" {
			return fmt.Sprintf("%s of %s, %s", r.reason, inner, why)
		}
		return ""
	}
	if !globalUnicast6.Contains(a) {
		return "a reserved IPv6 address"
	}
	return ""
}

type range4 struct {
	prefix netip.Prefix
	reason string
}

// ranges4 are the IPv4 ranges refused, the narrower first so the reason
// is the most exact one (IANA's special-purpose registry, less the ranges
// that are globally reachable).
var ranges4 = []range4{
	{netip.MustParsePrefix("255.255.255.255/32"), "the broadcast address"},
	{netip.MustParsePrefix("0.0.0.0/32"), "the unspecified address"},
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared address (carrier-grade NAT, RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (where cloud metadata services live)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay address (deprecated)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
}

type range6 struct {
	prefix netip.Prefix
	reason string
	// embedded, when set, is the IPv4 address the range carries; the
	// address is judged by it.
	embedded func(netip.Addr) netip.Addr
}

// ranges6 are the IPv6 ranges refused or judged by the IPv4 address they
// carry. Anything else outside 2000::/3, the global unicast space, is
// refused too.
var ranges6 = []range6{
	{netip.MustParsePrefix("::/128"), "the unspecified address", nil},
	{netip.MustParsePrefix("::1/128"), "a loopback address", nil},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "an IPv4-translated address", v4At(12)},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address (deprecated)", nil},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address", v4At(12)},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address", nil},
	{netip.MustParsePrefix("100::/64"), "a discard-only address", nil},
	// Teredo hides the client's IPv4 address (XORed), which may be any.
	{netip.MustParsePrefix("2001::/32"), "a Teredo tunnel address", nil},
	{netip.MustParsePrefix("2001:2::/48"), "a benchmarking address", nil},
	{netip.MustParsePrefix("2001:10::/28"), "an ORCHID address", nil},
	{netip.MustParsePrefix("2001:20::/28"), "an ORCHID address", nil},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address", nil},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address", v4At(2)},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address", nil},
	{netip.MustParsePrefix("fc00::/7"), "a unique local address (ULA)", nil},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address", nil},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address (deprecated)", nil},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address", nil},
}

var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// v4At reads the IPv4 address at byte offset i of an IPv6 address.
func v4At(i int) func(netip.Addr) netip.Addr {
	return func(a netip.Addr) netip.Addr {
		b := a.As16()
		return netip.AddrFrom4([4]byte(b[i : i+4]))
	}
}

// ParseAllow reads an allow-list: CIDRs or single addresses separated by
// commas or spaces, such as "10.0.0.0/8, fd00::/8, 192.168.1.20". A prefix
// is masked to its network; an IPv4-mapped IPv6 prefix is taken as the
// IPv4 one it spells.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		var pre netip.Prefix
		if strings.Contains(f, "/") {
			var err error
			if pre, err = netip.ParsePrefix(f); err != nil {
				return nil, fmt.Errorf("allow-list entry %q is not a CIDR: %w", f, err)
			}
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("allow-list entry %q is neither a CIDR nor an address", f)
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		if a := pre.Addr(); a.Is4In6() {
			if pre.Bits() < 96 {
				return nil, fmt.Errorf("allow-list entry %q is wider than the IPv4-mapped range", f)
			}
			pre = netip.PrefixFrom(a.Unmap(), pre.Bits()-96)
		}
		out = append(out, pre.Masked())
	}
	return out, nil
}
