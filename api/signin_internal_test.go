package api

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestClientKey: the client is the connection's peer; X-Forwarded-For is
// read only from a trusted proxy, right to left, stopping at the first hop
// that is not one; IPv6 clients are their /64.
func TestClientKey(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tt := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"the peer", "203.0.113.7:5000", nil, nil, "203.0.113.7"},
		{"a forged header from an untrusted peer is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, nil, "203.0.113.7"},
		{"nor believed when proxies are configured but the peer is not one", "203.0.113.7:5000", []string{"198.51.100.1"}, proxies, "203.0.113.7"},
		{"a trusted proxy names the client", "10.1.2.3:5000", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"what the client wrote left of the proxy's hop is ignored", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"chained proxies are skipped", "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, proxies, "198.51.100.1"},
		{"garbage stops at the last trusted hop", "10.1.2.3:5000", []string{"198.51.100.1, nonsense"}, proxies, "10.1.2.3"},
		{"a trusted proxy without the header is the client", "10.1.2.3:5000", nil, proxies, "10.1.2.3"},
		{"IPv6 is keyed by its /64", "[2001:db8:1:2:3:4:5:6]:443", nil, nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6 is IPv4", "[::ffff:192.0.2.9]:443", nil, nil, "192.0.2.9"},
		{"through an IPv6 proxy", "[fd00::1]:443", []string{"2001:db8:aa:bb::1"}, proxies, "2001:db8:aa:bb::/64"},
		{"a peer that is not an address is itself", "pipe", nil, proxies, "pipe"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientKey(r, tt.trusted); got != tt.want {
				t.Errorf("clientKey = %q, want %q", got, tt.want)
			}
		})
	}
}
