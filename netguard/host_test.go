package netguard_test

import (
	"net/netip"
	"strings"
	"testing"

	"slate/netguard"
)

// TestParseHost: every spelling of an address that a browser, curl or
// inet_aton reads as one is read as the same address here.
func TestParseHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host, want string // want "" means a host name
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"2130706433.", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0x7F000001", "127.0.0.1"},
		{"0X7f.0.0.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"127.0.0.010", "127.0.0.8"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"0xa9.0xfe.0xa9.0xfe", "169.254.169.254"},
		{"169.254.43518", "169.254.169.254"},
		{"2852039166", "169.254.169.254"},
		{"10.0x10000", "10.1.0.0"},
		{"0xffffffff", "255.255.255.255"},
		{"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"[::ffff:127.0.0.1]", "::ffff:127.0.0.1"},
		{"::1", "::1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"8.8.8.8", "8.8.8.8"},
		// Names, and numbers no parser takes as an address.
		{"example.test", ""},
		{"localhost", ""},
		{"0x7f.1.example", ""},
		{"1.2.3.4.5", ""},
		{"256.0.0.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"4294967296", ""},
		{"0x100000000", ""},
		{"08.0.0.1", ""},
		{"1..2", ""},
		{"+1.2.3.4", ""},
		{"1_0.0.0.1", ""},
		{"", ""},
		{".", ""},
	} {
		a, ok := netguard.ParseHost(tc.host)
		if tc.want == "" {
			if ok {
				t.Errorf("ParseHost(%q) = %s, want a name", tc.host, a)
			}
			continue
		}
		if !ok || a != netip.MustParseAddr(tc.want) {
			t.Errorf("ParseHost(%q) = %s, %v; want %s", tc.host, a, ok, tc.want)
		}
	}
}

// TestCheckHost: a literal address in any spelling and a name of this
// machine are refused when the URL is given; other names wait for the
// connection. The allow-list opens them.
func TestCheckHost(t *testing.T) {
	t.Parallel()
	loop, err := netguard.ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host   string
		reason string // "" means accepted
		allow  []netip.Prefix
	}{
		{"127.0.0.1", "loopback", nil},
		{"2130706433", "2130706433 (127.0.0.1) is a loopback", nil},
		{"0x7f.1", "0x7f.1 (127.0.0.1) is a loopback", nil},
		{"0177.0.0.1", "loopback", nil},
		{"127.1", "loopback", nil},
		{"::ffff:127.0.0.1", "loopback", nil},
		{"::1", "loopback", nil},
		{"0", "unspecified", nil},
		{"0xa9fea9fe", "link-local", nil},
		{"169.254.169.254", "link-local", nil},
		{"10.0.0.1", "private", nil},
		{"fd00::1", "unique local", nil},
		{"fe80::1%eth0", "link-local", nil},
		{"localhost", "localhost (127.0.0.1) is a name of this machine", nil},
		{"localhost.", "name of this machine", nil},
		{"LocalHost", "name of this machine", nil},
		{"api.localhost", "name of this machine", nil},
		{"ip6-localhost", "name of this machine", nil},
		{"localhost.localdomain", "name of this machine", nil},
		{"hooks.example.test", "", nil},
		{"localhost.example.test", "", nil},
		{"8.8.8.8", "", nil},
		{"134744072", "", nil},
		{"127.0.0.1", "", loop},
		{"0x7f.1", "", loop},
		{"localhost", "", loop},
		{"10.0.0.1", "private", loop},
	} {
		err := netguard.Policy{Allow: tc.allow}.CheckHost(tc.host)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("CheckHost(%q) with %v: %v", tc.host, tc.allow, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "unless the operator allows it") {
			t.Errorf("CheckHost(%q) = %v, want %q", tc.host, err, tc.reason)
		}
	}
}
