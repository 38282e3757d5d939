package netguard_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"slate/netguard"
)

// TestPolicyDefault: the zero policy refuses every address that is not
// public, in IPv4 and in every IPv6 form that carries an IPv4 address,
// and lets public ones through.
func TestPolicyDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr   string
		reason string // "" means allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"169.254.169.254", "link-local"},
		{"169.254.0.1", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "this network"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.2.10", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.0.170", "IETF"},
		{"192.88.99.1", "6to4 relay"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:7f00:1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:10.0.0.1", "private"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"::ffff:0:127.0.0.1", "IPv4-translated address of 127.0.0.1, a loopback"},
		{"64:ff9b::127.0.0.1", "NAT64 address of 127.0.0.1, a loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64 address of 169.254.169.254"},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:7f00:1::", "6to4 address of 127.0.0.1"},
		{"2002:c0a8:101::1", "6to4 address of 192.168.1.1"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"2001:2::1", "benchmarking"},
		{"fc00::1", "unique local"},
		{"fd12:3456::1", "unique local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"febf::1", "link-local"},
		{"fec0::1", "site-local"},
		{"ff02::1", "multicast"},
		{"100::1", "discard-only"},
		{"4000::1", "reserved IPv6"},
		// Public addresses pass, however spelt.
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
	} {
		a := netip.MustParseAddr(tc.addr)
		err := netguard.Policy{}.Check(a)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s refused: %v", tc.addr, err)
			}
			continue
		}
		var be *netguard.BlockedError
		if !errors.As(err, &be) {
			t.Errorf("%s: %v, want a BlockedError", tc.addr, err)
			continue
		}
		if !strings.Contains(be.Reason, tc.reason) || be.Addr != a || !strings.Contains(err.Error(), a.String()) {
			t.Errorf("%s refused as %q (%v), want %q", tc.addr, be.Reason, err, tc.reason)
		}
	}
}

// TestPolicyAllowList: the operator's prefixes open exactly what they
// cover, in IPv4-mapped and embedded forms too.
func TestPolicyAllowList(t *testing.T) {
	t.Parallel()
	allow, err := netguard.ParseAllow("127.0.0.0/8, 10.20.0.0/16 fd00::/8,192.168.1.20")
	if err != nil {
		t.Fatal(err)
	}
	p := netguard.Policy{Allow: allow}
	for _, tc := range []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"127.9.9.9", true},
		{"::ffff:127.0.0.1", true},
		{"64:ff9b::7f00:1", true},
		{"10.20.3.4", true},
		{"10.21.3.4", false},
		{"fd00::5", true},
		{"fc00::5", false},
		{"192.168.1.20", true},
		{"192.168.1.21", false},
		{"169.254.169.254", false},
		{"::1", false},
		{"8.8.8.8", true},
	} {
		err := p.Check(netip.MustParseAddr(tc.addr))
		if (err == nil) != tc.allowed {
			t.Errorf("%s: %v, want allowed %v", tc.addr, err, tc.allowed)
		}
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"10.0.0.0/8", "10.0.0.0/8", ""},
		{"10.1.2.3/8", "10.0.0.0/8", ""},
		{" 10.0.0.0/8 ,\tfd00::/8 ", "10.0.0.0/8 fd00::/8", ""},
		{"192.168.1.20", "192.168.1.20/32", ""},
		{"::1", "::1/128", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"10.0.0.0/33", "", "not a CIDR"},
		{"example.test", "", "neither"},
		{"fe80::1%eth0", "", "neither"},
		{"::ffff:0:0/80", "", "wider"},
	} {
		got, err := netguard.ParseAllow(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAllow(%q) = %v, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil || strings.Join(s, " ") != tc.want {
			t.Errorf("ParseAllow(%q) = %v, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}
