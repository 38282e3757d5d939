package api_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/limit"
)

// wrongLogin tries a wrong password for email, as from the address xff
// names (when the server trusts the test's loopback as a proxy).
func wrongLogin(h *harness, email, xff string) *response {
	h.t.Helper()
	c := call{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": "wrong password"}}
	if xff != "" {
		c.header = map[string]string{"X-Forwarded-For": xff}
	}
	return h.do(c)
}

// limited checks r is a 429 rate_limited telling the client to wait secs.
func limited(t *testing.T, r *response, secs int) {
	t.Helper()
	r.problem(t, http.StatusTooManyRequests, "rate_limited")
	if got := r.Header.Get("Retry-After"); got != fmt.Sprint(secs) {
		t.Errorf("Retry-After %q, want %d", got, secs)
	}
}

// One address gets the burst of attempts, then one a minute; the limit
// recovers as the (fake) clock moves on.
func TestSignInPacedPerAddress(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		rate := limit.DefaultRate
		// A different email each time: the account backoff stays out of it.
		for i := range rate.Burst {
			wrongLogin(h, fmt.Sprintf("guess-%d@example.test", i), "").problem(t, 401, "unauthenticated")
		}
		limited(t, wrongLogin(h, "one-more@example.test", ""), 60)
		// Sign-up is paced by the same bucket, and refused before it writes.
		signup := call{method: "POST", path: "/api/v1/auth/signup",
			body: slate.Signup{Email: "new@example.test", Password: "correct horse battery", Name: "New"}}
		limited(t, h.do(signup), 60)

		h.env.Clock.Advance(rate.Every / 2)
		limited(t, wrongLogin(h, "one-more@example.test", ""), 30)
		h.env.Clock.Advance(rate.Every / 2)
		wrongLogin(h, "one-more@example.test", "").problem(t, 401, "unauthenticated")
		limited(t, wrongLogin(h, "and-another@example.test", ""), 60)

		h.env.Clock.Advance(rate.Every)
		// The refused sign-up wrote nothing: the email is still free.
		h.must(signup, http.StatusCreated, nil)
	})
}

// X-Forwarded-For moves a client to another bucket only when the server
// trusts the peer as a proxy.
func TestSignInAddressBehindProxy(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		for i := range limit.DefaultRate.Burst {
			wrongLogin(h, fmt.Sprintf("guess-%d@example.test", i), fmt.Sprintf("198.51.100.%d", i)).problem(t, 401, "unauthenticated")
		}
		limited(t, wrongLogin(h, "guess@example.test", "198.51.100.200"), 60)
	})
	eachBackend(t, func(t *testing.T, h *harness) {
		for i := range 3 * limit.DefaultRate.Burst {
			wrongLogin(h, fmt.Sprintf("guess-%d@example.test", i), fmt.Sprintf("198.51.100.%d", i)).problem(t, 401, "unauthenticated")
		}
	}, trustLoopback)
}

func trustLoopback(s *api.Server) {
	s.SignIn.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// Failures in a row for one account pause it, whatever address they come
// from, doubling each time; the right password works once the pause ends.
func TestSignInBacksOffPerAccountOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		p := h.signup("ada")
		b := limit.DefaultBackoff
		for i := range b.Free {
			wrongLogin(h, p.Email, fmt.Sprintf("198.51.100.%d", i)).problem(t, 401, "unauthenticated")
		}
		right := call{method: "POST", path: "/api/v1/auth/login", header: map[string]string{"X-Forwarded-For": "192.0.2.1"},
			body: map[string]string{"email": p.Email, "password": "correct horse battery"}}
		limited(t, h.do(right), 60)
		h.env.Clock.Advance(b.First)
		wrongLogin(h, p.Email, "198.51.100.99").problem(t, 401, "unauthenticated")
		limited(t, h.do(right), 120)
		h.env.Clock.Advance(2 * b.First)
		h.must(right, 200, nil)
	}, trustLoopback)
}

// Token creation and invitation acceptance are paced per account too, so
// one stolen session cannot mint tokens without end from many addresses.
func TestTokensAndInvitationsPacedPerAccount(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		guest := h.signup("guest")
		var inv slate.Invitation
		h.must(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/invitations", token: owner.Token,
			body: slate.InvitationInput{Email: guest.Email, Permissions: []slate.Permission{slate.PermRead}}}, 201, &inv)
		token := func(i int) call {
			return call{method: "POST", path: "/api/v1/tokens", token: guest.Token, body: slate.TokenInput{Name: "ci"},
				header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)}}
		}
		for i := range limit.DefaultRate.Burst {
			h.must(token(i), 201, nil)
		}
		limited(t, h.do(token(100)), 60)
		accept := call{method: "POST", path: "/api/v1/invitations/" + inv.Token + "/accept", token: guest.Token,
			header: map[string]string{"X-Forwarded-For": "198.51.100.101"}}
		limited(t, h.do(accept), 60)
		// Another account is not held up by this one's bucket.
		h.must(call{method: "POST", path: "/api/v1/tokens", token: owner.Token, body: slate.TokenInput{Name: "ci"},
			header: map[string]string{"X-Forwarded-For": "198.51.100.102"}}, 201, nil)
		h.env.Clock.Advance(time.Minute)
		h.must(accept, 200, nil)
	}, trustLoopback)
}
