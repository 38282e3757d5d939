package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"slate/limit"
	"slate/session"
)

// postForm posts fields form-encoded, as a browser does with a plain
// <form method="post">, with extra headers h.
func (b *browser) postForm(path string, fields url.Values, h http.Header) *response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.s.url+path, strings.NewReader(fields.Encode()))
	must(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	must(b.t, err)
	defer res.Body.Close()
	r := &response{Status: res.StatusCode, Header: res.Header}
	r.Body, err = io.ReadAll(res.Body)
	must(b.t, err)
	return r
}

// sameOrigin is what a browser sends with a form of the page's own site.
var sameOrigin = http.Header{"Sec-Fetch-Site": {"same-origin"}}

// The sign-in and sign-up forms post to the server, so a browser whose
// script does not run sends the password in the body, never in a URL.
func TestSignInFormsPost(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		anon := s.browser()
		for _, tt := range []struct{ path, form, action, next, other string }{
			{"/login?next=" + q("/orgs/x?tab=1"), "login-form", "/login", "/orgs/x?tab=1", "/signup"},
			{"/signup", "signup-form", "/signup", "/", "/login"},
		} {
			d := anon.page(tt.path)
			f := d.byID(tt.form)
			if f == nil || f.attr("method") != "post" || f.attr("data-api") == "" {
				t.Fatalf("GET %s: #%s %+v, want method=post and the script's data-api", tt.path, tt.form, f)
			}
			action := mustURL(t, f.attr("action"))
			if action.Path != tt.action || action.Query().Get("next") != tt.next {
				t.Errorf("GET %s: action %q, want %s with next=%s", tt.path, f.attr("action"), tt.action, tt.next)
			}
			// The link to the other form keeps next too.
			link := d.first(func(e *element) bool { return e.Name == "a" && strings.HasPrefix(e.attr("href"), tt.other+"?") })
			if link == nil || mustURL(t, link.attr("href")).Query().Get("next") != tt.next {
				t.Errorf("GET %s: link to %s %+v, want it to keep next=%s", tt.path, tt.other, link, tt.next)
			}
		}
	})
}

func TestSignInFormSignsIn(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		owner := s.signup("owner")
		b := s.browser()
		r := b.postForm("/login?next="+q("/orgs/new"), url.Values{"email": {owner.Email}, "password": {password}}, sameOrigin)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/orgs/new" {
			t.Fatalf("sign-in form: %d to %q, want 303 to /orgs/new: %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), session.CookieName+"=") {
			t.Fatalf("no session cookie: %v", r.Header)
		}
		// The cookie is a session: the page it was sent to opens.
		b.page("/orgs/new")

		// A "next" off the site goes home instead.
		r = s.browser().postForm("/login?next="+q("//evil.test/x"), url.Values{"email": {owner.Email}, "password": {password}}, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("next off the site: %d to %q, want 303 to /", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestSignInFormShowsTheError(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		owner := s.signup("owner")
		const guess = "not-my-password-4711"
		b := s.browser()
		r := b.postForm("/login?next="+q("/orgs/new"), url.Values{"email": {owner.Email}, "password": {guess}}, sameOrigin)
		if r.Status != http.StatusUnauthorized || r.Header.Get("Location") != "" || len(r.Header.Values("Set-Cookie")) > 0 {
			t.Fatalf("wrong password: %d, Location %q, cookies %v; want 401 and the form again", r.Status, r.Header.Get("Location"), r.Header.Values("Set-Cookie"))
		}
		checkHeaders(t, "failed sign-in", r.Header, true)
		d := parseHTML(string(r.Body))
		checkInert(t, "failed sign-in", d)
		f := d.byID("login-form")
		if f == nil || mustURL(t, f.attr("action")).Query().Get("next") != "/orgs/new" || !d.hasText("wrong email or password") {
			t.Errorf("the form again with the API's message, keeping next: %.800s", r.Body)
		}
		if email := d.first(func(e *element) bool { return e.Name == "input" && e.attr("name") == "email" }); email == nil || email.attr("value") != owner.Email {
			t.Errorf("the email was not kept: %+v", email)
		}
		if strings.Contains(string(r.Body), guess) {
			t.Error("the page holds the password")
		}
		for _, e := range d.Elements {
			for _, a := range e.Attrs {
				if strings.Contains(a.Value, guess) {
					t.Errorf("<%s %s=%q> holds the password", e.Name, a.Name, a.Value)
				}
			}
		}
	})
}

func TestSignUpFormCreatesTheAccount(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b := s.browser()
		fields := url.Values{"name": {"Ada"}, "email": {"ada@example.test"}, "password": {password}}
		r := b.postForm("/signup", fields, sameOrigin)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("sign-up form: %d to %q: %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if _, _, err := s.env.DB.Login(context.Background(), "ada@example.test", password); err != nil {
			t.Fatalf("the account: %v", err)
		}
		// Again: the API's conflict, on the form, with the fields but the
		// password kept.
		r = s.browser().postForm("/signup", fields, sameOrigin)
		d := parseHTML(string(r.Body))
		name := d.first(func(e *element) bool { return e.Name == "input" && e.attr("name") == "name" })
		if r.Status != http.StatusConflict || !d.hasText("already exists") || name == nil || name.attr("value") != "Ada" {
			t.Errorf("a taken email: %d %.600s", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), password) {
			t.Error("the page holds the password")
		}
	})
}

// A form posted from another site is refused before it signs anyone in:
// otherwise a page elsewhere could sign the visitor in to an account of
// its choosing (login CSRF).
func TestSignInFormRefusesOtherSites(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		owner := s.signup("owner")
		fields := url.Values{"email": {owner.Email}, "password": {password}}
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Sec-Fetch-Site": {"same-site"}},
			{"Origin": {"https://evil.test"}},
		} {
			r := s.browser().postForm("/login", fields, h)
			if r.Status != http.StatusForbidden || len(r.Header.Values("Set-Cookie")) > 0 || !strings.Contains(string(r.Body), "another site") {
				t.Errorf("%v: %d, cookies %v; want 403 and no session", h, r.Status, r.Header.Values("Set-Cookie"))
			}
		}
		// The site's own origin passes, as do clients that send neither
		// header (no browser: no ambient cookie to abuse).
		for _, h := range []http.Header{{"Origin": {s.url}}, nil} {
			if r := s.browser().postForm("/login", fields, h); r.Status != http.StatusSeeOther {
				t.Errorf("%v: %d, want 303", h, r.Status)
			}
		}
	})
}

// The form is paced like the API it passes to: past the address's burst
// it answers 429 with Retry-After, on the form, until the clock moves on.
func TestSignInFormRateLimited(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		fields := func(i int) url.Values {
			return url.Values{"email": {"guess" + string(rune('a'+i)) + "@example.test"}, "password": {"wrong password"}}
		}
		b := s.browser()
		for i := range limit.DefaultRate.Burst {
			if r := b.postForm("/login", fields(i), sameOrigin); r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.Status)
			}
		}
		r := b.postForm("/login", fields(20), sameOrigin)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "60" || !parseHTML(string(r.Body)).hasText("too many sign-in attempts") {
			t.Fatalf("past the burst: %d, Retry-After %q: %.500s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		s.env.Clock.Advance(limit.DefaultRate.Every)
		if r := b.postForm("/login", fields(21), sameOrigin); r.Status != http.StatusUnauthorized {
			t.Errorf("a minute on: %d, want the password checked", r.Status)
		}
	})
}
