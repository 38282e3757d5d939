package web_test

import (
	"net/http"
	"strings"
	"testing"

	"slate"
	"slate/session"
)

// TestPageSecurityHeaders: every page, fragment, error and redirect of the
// web app answers a strict Content-Security-Policy (script-src 'self', no
// 'unsafe-inline'), nosniff and, for HTML, no-store; static files are
// cacheable but carry the policy too.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		demo := demoSite(t, s)
		b, p := demo.Owner, demo.Project.ID
		csrf := b.csrf("/projects/" + p)
		anon := s.browser()
		estimate := map[string]any{"selection": slate.Selection{All: true}}
		tests := []struct {
			name, method, path string
			who                *browser
			body               any
			status             int
			html               bool
		}{
			{"home", "GET", "/", b, nil, http.StatusSeeOther, false},
			{"login", "GET", "/login?next=/projects/" + p, anon, nil, 200, true},
			{"signup", "GET", "/signup", anon, nil, 200, true},
			{"new org", "GET", "/orgs/new", b, nil, 200, true},
			{"org", "GET", "/orgs/" + demo.Org.ID, b, nil, 200, true},
			{"project", "GET", "/projects/" + p, b, nil, 200, true},
			{"project shot", "GET", "/projects/" + p + "?shot=" + demo.Shot.ID, b, nil, 200, true},
			{"project scene", "GET", "/projects/" + p + "?scene=" + demo.Scene.ID, b, nil, 200, true},
			{"project act", "GET", "/projects/" + p + "?act=" + demo.Act.ID, b, nil, 200, true},
			{"project tag", "GET", "/projects/" + p + "?tag=exterior", b, nil, 200, true},
			{"tree fragment", "GET", "/panel/tree/" + p, b, nil, 200, true},
			{"project panel", "GET", "/panel/project/" + p, b, nil, 200, true},
			{"shot panel", "GET", "/panel/project/" + p + "/shot/" + demo.Shot.ID, b, nil, 200, true},
			{"scene panel", "GET", "/panel/project/" + p + "/scene/" + demo.Scene.ID, b, nil, 200, true},
			{"act panel", "GET", "/panel/project/" + p + "/act/" + demo.Act.ID, b, nil, 200, true},
			{"estimate dialog", "POST", "/panel/estimate/" + p, b, estimate, 200, true},
			{"missing project", "GET", "/projects/no-such-project", b, nil, 404, true},
			{"missing panel", "GET", "/panel/project/" + p + "/shot/no-such-shot", b, nil, 404, true},
			{"signed out page", "GET", "/projects/" + p, anon, nil, http.StatusSeeOther, false},
			{"signed out fragment", "GET", "/panel/tree/" + p, anon, nil, http.StatusUnauthorized, true},
			{"estimate without token", "POST", "/panel/estimate/" + p, b, estimate, http.StatusForbidden, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				who := tc.who.with(t)
				token := ""
				if tc.method == "POST" && tc.status == 200 {
					token = csrf
				}
				r := who.send(tc.method, tc.path, tc.body, token)
				if r.Status != tc.status {
					t.Fatalf("%s %s: %d, want %d: %.300s", tc.method, tc.path, r.Status, tc.status, r.Body)
				}
				what := tc.method + " " + tc.path
				checkHeaders(t, what, r.Header, tc.html)
				if got := r.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s: Cache-Control %q, want no-store", what, got)
				}
				if got := r.Header.Get("X-Frame-Options"); got != "DENY" {
					t.Errorf("%s: X-Frame-Options %q", what, got)
				}
				if tc.html {
					checkInert(t, what, parseHTML(string(r.Body)))
				}
			})
		}
		t.Run("static", func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/static/app.js", "/static/app.css"} {
				r := anon.with(t).get(path)
				if r.Status != 200 {
					t.Fatalf("GET %s: %d", path, r.Status)
				}
				checkHeaders(t, "GET "+path, r.Header, false)
				if strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
					t.Errorf("GET %s: Cache-Control %q; static files may be cached", path, r.Header.Get("Cache-Control"))
				}
			}
		})
	})
}

// TestPageSession: pages send a browser without a session to sign in and
// back; signing in sets an HttpOnly, SameSite=Lax cookie; a change made
// with the cookie needs the page's CSRF token, at the API and at the
// estimate fragment, and without it changes nothing; signing out ends it.
func TestPageSession(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		res := seedDemo(t, s)
		p := res.Project.ID
		b := s.browser()

		t.Run("signed out", func(t *testing.T) {
			for _, path := range []string{"/projects/" + p + "?shot=x&tag=a+b", "/orgs/" + res.Org.ID, "/orgs/new"} {
				r := b.with(t).get(path)
				want := "/login?next=" + q(path)
				if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
					t.Errorf("GET %s: %d to %q, want 303 to %q", path, r.Status, r.Header.Get("Location"), want)
				}
			}
			if r := b.with(t).get("/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
				t.Errorf("GET /: %d to %q", r.Status, r.Header.Get("Location"))
			}
			d := b.with(t).page("/login?next=" + q("/projects/"+p))
			f := d.byID("login-form")
			if f == nil || f.attr("data-api") != "POST /api/v1/auth/login" || f.attr("data-done") != "go:/projects/"+p {
				t.Errorf("login form = %v", f)
			}
			for _, next := range []string{"//evil.test/", "https://evil.test/", "javascript:alert(1)", "/\\evil.test/", "/\t/evil.test/"} {
				d := b.with(t).page("/login?next=" + q(next))
				if f := d.byID("login-form"); f == nil || f.attr("data-done") != "go:/" {
					t.Errorf("next=%s: login form %v, want it to go to /", next, f)
				}
			}
			if r := b.with(t).send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, ""); r.Status != http.StatusUnauthorized {
				t.Errorf("estimate signed out: %d", r.Status)
			}
		})

		r := b.login(res.Email, res.Password)
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == session.CookieName {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value != b.Token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode ||
			cookie.Path != "/" || cookie.Secure {
			t.Fatalf("login cookie = %+v (Set-Cookie %q)", cookie, r.Header.Values("Set-Cookie"))
		}

		page := b.get("/projects/" + p)
		d := b.html(page, "GET /projects/"+p)
		if strings.Contains(string(page.Body), b.Token) {
			t.Error("the page holds the session secret")
		}
		meta := d.first(func(e *element) bool { return e.Name == "meta" && e.attr("name") == "csrf-token" })
		if meta == nil || meta.attr("content") == "" {
			t.Fatal("no csrf-token meta")
		}
		csrf := meta.attr("content")

		title := func() string {
			var pr slate.Project
			b.bearer("GET", "/api/v1/projects/"+p, nil, 200, &pr)
			return pr.Title
		}
		acts := func() int {
			var tr slate.Tree
			b.bearer("GET", "/api/v1/projects/"+p+"/tree", nil, 200, &tr)
			return len(tr.Acts)
		}
		before, actsBefore := title(), acts()
		for _, tc := range []struct{ name, token string }{{"no token", ""}, {"wrong token", "not-the-token"}, {"session secret as token", b.Token}} {
			t.Run("refused/"+tc.name, func(t *testing.T) {
				b := b.with(t)
				for _, req := range []struct {
					method, path string
					body         any
				}{
					{"PATCH", "/api/v1/projects/" + p, map[string]string{"title": "Renamed"}},
					{"POST", "/api/v1/projects/" + p + "/acts", slate.ActInput{Name: "Act by a forged request"}},
					{"POST", "/api/v1/projects/" + p + "/estimates", slate.EstimateInput{Selection: slate.Selection{All: true}}},
				} {
					r := b.send(req.method, req.path, req.body, tc.token)
					var pr struct {
						Status int    `json:"status"`
						Code   string `json:"code"`
						Detail string `json:"detail"`
					}
					if r.Status != http.StatusForbidden || r.Header.Get("Content-Type") != "application/problem+json" {
						t.Fatalf("%s %s: %d %s %s", req.method, req.path, r.Status, r.Header.Get("Content-Type"), r.Body)
					}
					r.decode(t, &pr)
					if pr.Status != 403 || pr.Code != string(slate.EFORBIDDEN) || !strings.Contains(pr.Detail, session.CSRFHeader) {
						t.Errorf("%s %s: problem %+v", req.method, req.path, pr)
					}
				}
				if got := title(); got != before {
					t.Errorf("title %q after refused requests, want %q", got, before)
				}
				if got := acts(); got != actsBefore {
					t.Errorf("%d acts after refused requests, want %d", got, actsBefore)
				}
				r := b.send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, tc.token)
				if r.Status != http.StatusForbidden {
					t.Errorf("estimate fragment: %d, want 403", r.Status)
				}
				if d := parseHTML(string(r.Body)); d.byID("estimate") != nil {
					t.Error("the refused estimate fragment rendered the dialog")
				}
			})
		}

		r = b.send("PATCH", "/api/v1/projects/"+p, map[string]string{"title": "Renamed by the page"}, csrf)
		if r.Status != http.StatusOK {
			t.Fatalf("PATCH with the page's token: %d %s", r.Status, r.Body)
		}
		if got := title(); got != "Renamed by the page" {
			t.Errorf("title %q after the page's change", got)
		}
		r = b.send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, csrf)
		if d := b.html(r, "POST /panel/estimate"); d.byID("estimate-total") == nil {
			t.Error("the estimate dialog with the page's token has no total")
		}

		r = b.send("POST", "/api/v1/auth/logout", nil, csrf)
		if r.Status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if r := b.get("/projects/" + p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("after sign-out the page answers %d to %q", r.Status, r.Header.Get("Location"))
		}
		stale := s.browser()
		stale.client.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: session.CookieName, Value: b.Token, Path: "/"}})
		if r := stale.get("/projects/" + p); r.Status != http.StatusSeeOther {
			t.Errorf("the signed-out session still opens the page: %d", r.Status)
		}
	})
}

// checkHeaders checks the headers every page and fragment carries: a
// strict Content-Security-Policy, nosniff and, for HTML, no-store.
func checkHeaders(t testing.TB, what string, h http.Header, html bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
		directives["script-src"] != "'self'" || directives["default-src"] != "'none'" ||
		directives["frame-ancestors"] != "'none'" || directives["base-uri"] != "'none'" {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if html {
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, got)
		}
		if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", what, got)
		}
	}
}

// checkInert checks a parsed page cannot run anything it was not built to:
// no script but the app's own, no event-handler attribute, no javascript:
// URL, none of the elements an injection would bring.
func checkInert(t testing.TB, what string, d *doc) {
	t.Helper()
	for _, e := range d.Elements {
		switch e.Name {
		case "script":
			if e.attr("src") != "/static/app.js" || len(e.Attrs) != 2 || !e.has("defer") || strings.TrimSpace(e.Text) != "" {
				t.Errorf("%s: script element %s", what, e)
			}
		case "img", "svg", "iframe", "frame", "object", "embed", "base", "math", "style", "applet", "portal":
			t.Errorf("%s: unexpected element %s", what, e)
		case "link":
			if e.attr("rel") != "stylesheet" || e.attr("href") != "/static/app.css" {
				t.Errorf("%s: link element %s", what, e)
			}
		case "meta":
			if e.has("http-equiv") {
				t.Errorf("%s: meta element %s", what, e)
			}
		}
		for _, a := range e.Attrs {
			if strings.HasPrefix(a.Name, "on") || a.Name == "style" || a.Name == "srcdoc" {
				t.Errorf("%s: element %s has attribute %s", what, e.Name, a.Name)
			}
			switch a.Name {
			case "href", "src", "action", "formaction", "poster", "data", "xlink:href":
				if scheme, _, ok := strings.Cut(urlScheme(a.Value), ":"); ok && scheme != "http" && scheme != "https" {
					t.Errorf("%s: %s=%q on %s", what, a.Name, a.Value, e.Name)
				}
			}
		}
	}
}

// urlScheme returns v as a browser reads a URL's start: without leading
// spaces and control characters and with tabs and newlines dropped,
// lower-cased; it has a colon before any slash, ? or # when v has a scheme.
func urlScheme(v string) string {
	v = strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	if i := strings.IndexAny(v, "/?#"); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(v)
}
