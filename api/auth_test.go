package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"slate"
	"slate/api"
	"slate/session"
	"slate/store/storetest"
)

// TestSessions: login answers a token and a cookie; both authenticate;
// logout revokes exactly the presented token; API tokens work as bearer.
func TestSessions(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		p := h.signup("editor")
		res := h.do(call{method: "POST", path: "/api/v1/auth/login",
			body: map[string]string{"email": strings.ToUpper(p.Email), "password": "correct horse battery"}})
		if res.Status != 200 {
			t.Fatalf("login: %d %s", res.Status, res.Body)
		}
		var s struct {
			Token string
			User  slate.User
		}
		res.decode(t, &s)
		if s.Token == "" || s.User.ID != p.User.ID {
			t.Fatalf("login answered %s", res.Body)
		}
		cookie := res.Header.Get("Set-Cookie")
		if !strings.HasPrefix(cookie, "slate_session="+s.Token) || !strings.Contains(cookie, "HttpOnly") {
			t.Errorf("Set-Cookie %q", cookie)
		}

		var me slate.User
		meRes := h.do(call{method: "GET", path: "/api/v1/me", token: s.Token})
		if meRes.Status != 200 || strings.Contains(string(meRes.Body), "$schema") || meRes.Header.Get("Link") != "" {
			t.Fatalf("me: %d %v %s", meRes.Status, meRes.Header, meRes.Body)
		}
		meRes.decode(t, &me)
		if me.ID != p.User.ID {
			t.Errorf("me %+v", me)
		}
		h.must(call{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": "slate_session=" + s.Token}}, 200, nil)

		// A change made with the cookie needs the session's CSRF token, and
		// nothing is written without it; bearer tokens need none.
		cookie = "slate_session=" + s.Token
		create := slate.OrgInput{Name: "Via cookie", Plan: "free"}
		for _, bad := range []string{"", "forged", session.CSRFToken(p.Token)} {
			h.do(call{method: "POST", path: "/api/v1/orgs", body: create,
				header: map[string]string{"Cookie": cookie, session.CSRFHeader: bad}}).problem(t, 403, "forbidden")
		}
		var orgs struct{ Items []slate.Org }
		h.must(call{method: "GET", path: "/api/v1/orgs", header: map[string]string{"Cookie": cookie}}, 200, &orgs)
		if len(orgs.Items) != 0 {
			t.Fatalf("a refused cookie request wrote %+v", orgs.Items)
		}
		h.must(call{method: "POST", path: "/api/v1/orgs", body: create,
			header: map[string]string{"Cookie": cookie, session.CSRFHeader: session.CSRFToken(s.Token)}}, 201, nil)

		var tok slate.Token
		h.must(call{method: "POST", path: "/api/v1/tokens", token: s.Token, body: slate.TokenInput{Name: "ci"}}, 201, &tok)
		if tok.Secret == "" || tok.Kind != slate.TokenAPI {
			t.Fatalf("token %+v", tok)
		}
		h.must(call{method: "GET", path: "/api/v1/me", token: tok.Secret}, 200, nil)

		h.must(call{method: "POST", path: "/api/v1/auth/logout", token: s.Token}, 204, nil)
		h.do(call{method: "GET", path: "/api/v1/me", token: s.Token}).problem(t, 401, "unauthenticated")
		h.do(call{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": "slate_session=" + s.Token}}).
			problem(t, 401, "unauthenticated")
		// Other credentials of the user survive.
		h.must(call{method: "GET", path: "/api/v1/me", token: p.Token}, 200, nil)
		h.must(call{method: "GET", path: "/api/v1/me", token: tok.Secret}, 200, nil)

		h.do(call{method: "POST", path: "/api/v1/auth/login",
			body: map[string]string{"email": p.Email, "password": "wrong horse battery"}}).problem(t, 401, "unauthenticated")
		h.do(call{method: "POST", path: "/api/v1/auth/signup",
			body: slate.Signup{Email: p.Email, Password: "correct horse battery", Name: "Again"}}).problem(t, 409, "conflict")
		h.do(call{method: "GET", path: "/api/v1/me", token: "not-a-token"}).problem(t, 401, "unauthenticated")
		h.do(call{method: "GET", path: "/api/v1/no/such/route", token: p.Token}).problem(t, 404, "not_found")
		h.do(call{method: "GET", path: "/api/v1/no/such/route"}).problem(t, 401, "unauthenticated")
	})
}

// TestOps: health, metrics and the document need no credentials; metrics
// count requests by operation id.
func TestOps(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		var health struct{ Status string }
		h.must(call{method: "GET", path: "/healthz"}, 200, &health)
		if health.Status != "ok" {
			t.Errorf("healthz %+v", health)
		}
		h.must(call{method: "GET", path: "/api/v1/openapi.json"}, 200, nil)
		h.must(call{method: "GET", path: "/api/v1/openapi.yaml"}, 200, nil)
		p := h.signup("editor")
		h.must(call{method: "GET", path: "/api/v1/me", token: p.Token}, 200, nil)
		h.do(call{method: "GET", path: "/api/v1/me"})

		res := h.do(call{method: "GET", path: "/metrics"})
		if res.Status != 200 {
			t.Fatalf("metrics: %d", res.Status)
		}
		body := string(res.Body)
		for _, want := range []string{
			`slate_http_requests_total{operation="me",status="200"} 1`,
			`slate_http_requests_total{operation="me",status="401"} 1`,
			`slate_http_requests_total{operation="signup",status="201"} 1`,
			`slate_http_request_duration_seconds_bucket{operation="healthz",status="200",le="+Inf"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// TestNotReady: /healthz answers 503 when the store does not.
func TestNotReady(t *testing.T) {
	t.Parallel()
	h := newHarness(t, storetest.Backends(t)[0], func(s *api.Server) {
		s.Ready = func(context.Context) error { return errors.New("database is down") }
	})
	res := h.do(call{method: "GET", path: "/healthz"})
	p := res.problem(t, http.StatusServiceUnavailable, "internal")
	if strings.Contains(p.Detail, "database is down") {
		t.Errorf("detail leaks the cause: %q", p.Detail)
	}
}
