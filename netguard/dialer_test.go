package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"slate/netguard"
)

// names is a resolver that knows the names a test gives it.
type names map[string][]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := n[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// counter is a listener on loopback that counts the connections it
// accepts.
type counter struct {
	net.Listener
	accepted atomic.Int64
	probes   int64
	wg       sync.WaitGroup
}

func listen(t *testing.T) *counter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{Listener: l}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); c.wg.Wait() })
	return c
}

func (c *counter) port() uint16 { return netip.MustParseAddrPort(c.Addr().String()).Port() }

// count is how many connections were accepted once every dial so far has
// been seen: a last connection made past the policy would be counted.
func (c *counter) count(t *testing.T) int64 {
	t.Helper()
	probe, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	probe.Read(buf) // the listener closes it once accepted
	probe.Close()
	c.probes++
	return c.accepted.Load() - c.probes
}

// TestDialerRefuses: a name resolving to loopback (DNS rebinding, or a
// plain record), a literal in an odd spelling and localhost are never
// dialled; the allow-list lets the same dials through.
func TestDialerRefuses(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	port := fmt.Sprint(ln.port())
	res := names{
		"rebind.example.test": {netip.MustParseAddr("127.0.0.1")},
		"mapped.example.test": {netip.MustParseAddr("::ffff:127.0.0.1")},
		"mixed.example.test":  {netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("127.0.0.1")},
		"localhost":           {netip.MustParseAddr("127.0.0.1")},
		"localhost.":          {netip.MustParseAddr("127.0.0.1")},
	}
	loop, _ := netguard.ParseAllow("127.0.0.0/8")
	for _, host := range []string{"rebind.example.test", "mapped.example.test", "mixed.example.test",
		"localhost", "localhost.", "127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "::ffff:127.0.0.1"} {
		d := &netguard.Dialer{Resolver: res}
		_, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		var be *netguard.BlockedError
		if !errors.As(err, &be) || !strings.Contains(be.Reason, "loopback") && !strings.Contains(be.Reason, "link-local") {
			t.Errorf("dial %s: %v, want a BlockedError", host, err)
		}
		if be != nil && be.Host != host {
			t.Errorf("dial %s: blocked error names %q", host, be.Host)
		}
		if n := ln.count(t); n != 0 {
			t.Fatalf("dial %s reached the listener (%d accepts)", host, n)
		}
	}
	accepted := int64(0)
	for _, host := range []string{"rebind.example.test", "mapped.example.test", "mixed.example.test", "2130706433", "0x7f.1", "localhost."} {
		d := &netguard.Dialer{Policy: netguard.Policy{Allow: loop}, Resolver: res}
		c, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err != nil {
			t.Errorf("dial %s with 127.0.0.0/8 allowed: %v", host, err)
			continue
		}
		c.Close()
		accepted++
		if n := ln.count(t); n != accepted {
			t.Errorf("after dialling %s: %d accepts, want %d", host, n, accepted)
		}
	}
}

// TestDialerUnknownName: a name that does not resolve is a DNS error, not
// a refusal.
func TestDialerUnknownName(t *testing.T) {
	t.Parallel()
	d := &netguard.Dialer{Resolver: names{}}
	_, err := d.DialContext(context.Background(), "tcp", "nowhere.example.test:80")
	var dns *net.DNSError
	if !errors.As(err, &dns) {
		t.Fatalf("dial an unknown name: %v", err)
	}
}

// TestControl: the connect-time hook judges the address a socket is
// about to connect to.
func TestControl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		address string
		ok      bool
	}{
		{"127.0.0.1:80", false},
		{"[::1]:443", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"169.254.169.254:80", false},
		{"[fe80::1%eth0]:80", false},
		{"0.0.0.0:80", false},
		{"8.8.8.8:443", true},
		{"[2606:4700:4700::1111]:443", true},
		{"not-an-address:80", false},
	} {
		err := netguard.Policy{}.Control("tcp", tc.address, nil)
		if (err == nil) != tc.ok {
			t.Errorf("Control(%s) = %v, want ok %v", tc.address, err, tc.ok)
		}
	}
}

// TestTransportIgnoresProxyEnvironment: the transport never asks the
// environment for a proxy, which would connect for it unchecked.
func TestTransportIgnoresProxyEnvironment(t *testing.T) {
	t.Parallel()
	tr := (&netguard.Dialer{}).Transport()
	if tr.Proxy != nil {
		t.Fatal("the transport has a proxy function")
	}
	ln := listen(t)
	c := &http.Client{Transport: tr}
	_, err := c.Get("http://" + ln.Addr().String() + "/")
	var be *netguard.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("GET loopback through the transport: %v", err)
	}
	if n := ln.count(t); n != 0 {
		t.Fatalf("the transport reached loopback (%d accepts)", n)
	}
}
