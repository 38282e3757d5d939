package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Resolver looks host names up; *net.Resolver is one. Tests give their
// own to make a name resolve wherever they need.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer connects only to addresses its policy allows. It resolves a name
// itself and dials the allowed addresses one at a time, each by its
// literal address, and the net.Dialer underneath checks once more (its
// Control hook) the very address each socket connects to. A name whose
// every address is refused answers a *BlockedError and nothing is dialled.
type Dialer struct {
	Policy Policy
	// Resolver looks names up; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds each connection attempt; 0 leaves it to the context.
	Timeout time.Duration
}

// Control is a net.Dialer Control hook refusing the addresses p refuses.
// It runs after the name is resolved, just before the socket connects,
// so it judges the address really used.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("address policy: cannot judge %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// DialContext connects to address ("host:port") over network if the
// policy allows one of the host's addresses.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port %q", address, portText)
	}
	addrs, err := d.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var allowed []netip.Addr
	var blocked error
	for _, a := range addrs {
		if err := d.Policy.Check(a); err != nil {
			if blocked == nil {
				var be *BlockedError
				if errors.As(err, &be) {
					be.Host = host
				}
				blocked = err
			}
			continue
		}
		allowed = append(allowed, a.Unmap())
	}
	if len(allowed) == 0 {
		if blocked == nil {
			blocked = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		return nil, blocked
	}
	nd := &net.Dialer{Timeout: d.Timeout, Control: d.Policy.Control}
	var errs []error
	for _, a := range allowed {
		c, err := nd.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// resolve answers host's addresses: the address itself when host spells
// one (in any of ParseHost's forms, so that every resolver reads an odd
// spelling alike), else what the resolver says.
func (d *Dialer) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, ok := ParseHost(host); ok {
		return []netip.Addr{a}, nil
	}
	r := d.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ipNet := "ip"
	switch network {
	case "tcp4", "udp4":
		ipNet = "ip4"
	case "tcp6", "udp6":
		ipNet = "ip6"
	}
	return r.LookupNetIP(ctx, ipNet, host)
}

// Transport is an HTTP transport that connects through d. It uses no
// proxy, whatever the environment says: a proxy would connect on Slate's
// behalf, out of the policy's sight.
func (d *Dialer) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
