package netguard

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseHost reads host (a URL's host without port or brackets) as an
// address, in every spelling a resolver or browser would take as one:
// dotted IPv4 with or without a trailing dot, IPv6 (with a zone), and the
// inet_aton forms — fewer than four parts ("127.1"), parts in hex
// ("0x7f.0.0.1") or octal ("0177.0.0.1"), and one number for the whole
// ("2130706433"). It reports false for a host name.
func ParseHost(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	return parseIPv4Loose(host)
}

// parseIPv4Loose is the IPv4 parser of the WHATWG URL standard, which is
// inet_aton's: up to four numbers, each decimal, octal (leading 0) or hex
// (leading 0x); every one but the last is a byte and the last fills the
// bytes left. One trailing dot is allowed, as a fully qualified name.
func parseIPv4Loose(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := len(nums) - 1
	var v uint64
	for i, n := range nums[:last] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseIPv4Number(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true // "0x" is zero to a browser
		}
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	// ParseUint takes no sign or underscore when given a base.
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}

// localNames are names that mean this machine whatever DNS says: the
// special-use "localhost" (RFC 6761) and its subdomains, and the loopback
// names of common /etc/hosts files.
var localNames = []string{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

// IsLocalName reports whether host names this machine.
func IsLocalName(host string) bool {
	h := strings.ToLower(strings.TrimRight(host, "."))
	for _, n := range localNames {
		if h == n {
			return true
		}
	}
	return strings.HasSuffix(h, ".localhost")
}

// CheckHost judges a URL's host when the URL is given, before anything
// is resolved: a literal address in any spelling is checked as the
// address it spells, and a name of this machine as loopback. Other names
// are judged when connecting, since what they resolve to may change.
func (p Policy) CheckHost(host string) error {
	if IsLocalName(host) {
		for _, a := range []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()} {
			if p.Allowed(a) {
				return nil
			}
		}
		return &BlockedError{Host: host, Addr: netip.AddrFrom4([4]byte{127, 0, 0, 1}),
			Reason: "a name of this machine, a loopback address"}
	}
	a, ok := ParseHost(host)
	if !ok {
		return nil
	}
	if reason := p.refusal(a); reason != "" {
		return &BlockedError{Host: host, Addr: a, Reason: reason}
	}
	return nil
}
