package api

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"slate"
	"slate/clock"
	"slate/limit"
)

// SignInLimits pace the operations that take a password or make a
// credential: sign-up, login, accepting an invitation and creating a
// token. Failures per account are paced by the store, in the database;
// these buckets are per process (see docs/security.md for why).
type SignInLimits struct {
	// Rate is the bucket of each client address and, for the operations
	// made signed in, of each account. Zero means limit.DefaultRate.
	Rate limit.Rate
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; none by default, so the client is the connection's peer.
	TrustedProxies []netip.Prefix
}

// signInGuard holds the buckets of one server.
type signInGuard struct {
	addresses *limit.Keyed
	accounts  *limit.Keyed
	trusted   []netip.Prefix
}

func (s *Server) newSignInGuard() *signInGuard {
	rate := s.SignIn.Rate
	if rate == (limit.Rate{}) {
		rate = limit.DefaultRate
	}
	var clk slate.Clock = clock.System{}
	if s.Clock != nil {
		clk = s.Clock
	}
	return &signInGuard{
		addresses: limit.NewKeyed(rate, clk, 0),
		accounts:  limit.NewKeyed(rate, clk, 0),
		trusted:   s.SignIn.TrustedProxies,
	}
}

// admitSignIn spends one attempt of the client address's bucket and, when
// the request is signed in, of the account's: ERATELIMITED when either is
// empty. It runs before any password is hashed or credential made.
func (s *Server) admitSignIn(ctx context.Context) error {
	if wait := s.guard.addresses.Take(infoFrom(ctx).client); wait > 0 {
		return slate.RateLimited(wait, "too many sign-in attempts from your address: try again later")
	}
	if u := slate.UserFromContext(ctx); u != nil {
		if wait := s.guard.accounts.Take(u.ID); wait > 0 {
			return slate.RateLimited(wait, "too many tokens or invitations for this account: try again later")
		}
	}
	return nil
}

// clientKey names the client of r for its bucket: the connection's peer,
// or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one. X-Forwarded-For is never believed from
// anyone else: a client writes what it likes there. An IPv6 client is its
// /64, the block one subscriber is usually given.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap()
	if within(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // not an address: the last trusted hop stands
			}
			addr = hop.Unmap()
			if !within(addr, trusted) {
				break
			}
		}
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

func within(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
