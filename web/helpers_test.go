package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/demo"
	"slate/events"
	"slate/session"
	"slate/store/storetest"
	"slate/waitfor"
	"slate/web"
)

// quiet is a logger that drops everything: tests and benchmarks check
// answers, not logs.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newApp wires the web app and the API on env's store the way `slate serve`
// does (web.Server.API = api.Server.Handler()) and returns the web app's
// handler, which serves both.
func newApp(t testing.TB, env *storetest.Env) http.Handler {
	t.Helper()
	db := env.DB
	broker := events.Start(db, events.Options{Clock: env.Clock, Poll: 20 * time.Millisecond, Heartbeat: time.Second})
	t.Cleanup(broker.Stop)
	srv := &api.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Catalog: db.Catalog, Keys: db,
		Queue: db, Takes: db, Exports: db, Webhooks: db, Events: broker,
		Clock: env.Clock, Logger: quiet, Ready: db.Ping,
	}
	app := &web.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Queue: db, Takes: db,
		Exports: db, Webhooks: db, Catalog: db.Catalog, Logger: quiet, API: srv.Handler(),
	}
	return app.Handler()
}

// site is the web app and API served over real HTTP on a fresh store.
type site struct {
	t   testing.TB
	env *storetest.Env
	url string
}

// eachSite runs fn as a parallel subtest on a site of every configured
// database: SQLite always, PostgreSQL when SLATE_TEST_POSTGRES is set.
func eachSite(t *testing.T, fn func(t *testing.T, s *site)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) { fn(t, newSite(t, env)) })
}

func newSite(t testing.TB, env *storetest.Env) *site {
	t.Helper()
	// The browser's cookie jar keeps the session cookie until the expiry
	// the store's clock gave it, judged by the real clock: the store's
	// clock starts now rather than at storetest.Epoch.
	env.Clock.Set(time.Now())
	ts := httptest.NewServer(newApp(t, env))
	// Cleanups run last first: the event broker (registered by newApp)
	// stops before the server closes, ending any open event stream.
	t.Cleanup(ts.Close)
	return &site{t: t, env: env, url: ts.URL}
}

// browser is one user's browser: a cookie jar that does not follow
// redirects, so tests see them. Token is the session secret the sign-up or
// sign-in answered (what the cookie carries); Ctx acts as the user on the
// store.
type browser struct {
	t      testing.TB
	s      *site
	client *http.Client
	User   *slate.User
	Email  string
	Token  string
	Ctx    context.Context
}

// seq numbers the accounts' emails, which must differ within a store.
var seq atomic.Int64

// password is every test account's, as in storetest.
const password = "correct horse battery"

// signup creates an account named name through the API, as the sign-up
// page does, and returns the browser it signed in.
func (s *site) signup(name string) *browser {
	s.t.Helper()
	b := s.browser()
	email := fmt.Sprintf("user-%d@example.test", seq.Add(1))
	r := b.send("POST", "/api/v1/auth/signup", slate.Signup{Email: email, Password: password, Name: name}, "")
	b.signedIn(r, http.StatusCreated, email)
	return b
}

// login signs b in through the API, as the sign-in page does, and returns
// the answer, which sets the session cookie.
func (b *browser) login(email, pass string) *response {
	b.t.Helper()
	r := b.send("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": pass}, "")
	b.signedIn(r, http.StatusOK, email)
	return r
}

// signedIn takes the session a sign-up or sign-in answered with status.
func (b *browser) signedIn(r *response, status int, email string) {
	b.t.Helper()
	if r.Status != status {
		b.t.Fatalf("session for %s: %d, want %d: %s", email, r.Status, status, r.Body)
	}
	var sess api.Session
	r.decode(b.t, &sess)
	b.User, b.Email, b.Token, b.Ctx = sess.User, email, sess.Token, storetest.Ctx(sess.User)
}

// member signs up name and makes them a member of orgID with perms, invited
// by owner and accepting, and returns their browser.
func (s *site) member(owner *browser, orgID, name string, perms ...slate.Permission) *browser {
	s.t.Helper()
	m := s.signup(name)
	inv, err := s.env.DB.Invite(owner.Ctx, orgID, slate.InvitationInput{Email: m.Email, Permissions: perms})
	must(s.t, err)
	_, err = s.env.DB.AcceptInvitation(m.Ctx, inv.Token)
	must(s.t, err)
	return m
}

// browser returns a browser with no session.
func (s *site) browser() *browser {
	s.t.Helper()
	jar, err := cookiejar.New(nil)
	must(s.t, err)
	return &browser{t: s.t, s: s, client: &http.Client{Jar: jar, Timeout: waitfor.Guard,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// with returns the browser reporting to t.
func (b *browser) with(t testing.TB) *browser {
	c := *b
	c.t = t
	return &c
}

// response is a finished exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %.500s: %v", r.Body, err)
	}
}

// get fetches path with the browser's cookies.
func (b *browser) get(path string) *response {
	b.t.Helper()
	return b.do("GET", path, nil, nil)
}

// send sends body as JSON with the browser's cookies; csrf, when not "",
// goes in the X-CSRF-Token header as the page's script sends it.
func (b *browser) send(method, path string, body any, csrf string) *response {
	b.t.Helper()
	h := http.Header{}
	if csrf != "" {
		h.Set(session.CSRFHeader, csrf)
	}
	return b.do(method, path, body, h)
}

// do sends body as JSON; a []byte body is sent exactly as given.
func (b *browser) do(method, path string, body any, h http.Header) *response {
	b.t.Helper()
	var rd io.Reader
	if raw, ok := body.([]byte); ok {
		rd = bytes.NewReader(raw)
	} else if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.s.url+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// bearer calls the API with the session token as a bearer token, as a
// script would: no cookie, so no CSRF token either. Setup goes this way.
func (b *browser) bearer(method, path string, body any, status int, v any) {
	b.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + b.Token}}
	c := *b
	c.client = &http.Client{Timeout: waitfor.Guard}
	r := c.do(method, path, body, h)
	if r.Status != status {
		b.t.Fatalf("%s %s: %d, want %d: %.500s", method, path, r.Status, status, r.Body)
	}
	if v != nil {
		r.decode(b.t, v)
	}
}

// body fetches path, fails unless it answers status, and returns the
// body; a 200 must be an HTML answer of the web app with nothing
// executable.
func (b *browser) body(path string, status int) string {
	b.t.Helper()
	r := b.get(path)
	if status == http.StatusOK {
		b.html(r, "GET "+path)
	} else if r.Status != status {
		b.t.Fatalf("GET %s: %d, want %d: %.500s", path, r.Status, status, r.Body)
	}
	return string(r.Body)
}

// page fetches an HTML page or fragment, checks it answered 200 with the
// web app's headers and nothing executable, and returns it parsed.
func (b *browser) page(path string) *doc {
	b.t.Helper()
	r := b.get(path)
	return b.html(r, "GET "+path)
}

// html checks r is a 200 HTML answer of the web app and parses it.
func (b *browser) html(r *response, what string) *doc {
	b.t.Helper()
	if r.Status != http.StatusOK {
		b.t.Fatalf("%s: %d %.500s", what, r.Status, r.Body)
	}
	checkHeaders(b.t, what, r.Header, true)
	d := parseHTML(string(r.Body))
	checkInert(b.t, what, d)
	return d
}

// csrf returns the CSRF token a page of the app carries in its
// <meta name="csrf-token">, as the page's script reads it.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	d := b.page(path)
	m := d.first(func(e *element) bool { return e.Name == "meta" && e.attr("name") == "csrf-token" })
	if m == nil || m.attr("content") == "" {
		b.t.Fatalf("GET %s: no csrf-token meta", path)
	}
	return m.attr("content")
}

// demoProject is the demo organisation's project with its producer
// signed in, and the first shot of its tree with the act and scene that
// hold it.
type demoProject struct {
	*demo.Result
	Owner *browser
	Act   *slate.TreeAct
	Scene *slate.TreeScene
	Shot  *slate.Shot
}

// seedDemo seeds the demo organisation and project on the site's store.
func seedDemo(t *testing.T, s *site) *demo.Result {
	t.Helper()
	res, err := demo.Seed(context.Background(), demo.Services{Users: s.env.DB, Orgs: s.env.DB, Projects: s.env.DB, Tree: s.env.DB})
	must(t, err)
	return res
}

// demoSite seeds the demo project and signs its producer in through the
// API, as the login page does.
func demoSite(t *testing.T, s *site) *demoProject {
	t.Helper()
	d := &demoProject{Result: seedDemo(t, s), Owner: s.browser()}
	d.Owner.login(d.Email, d.Password)
	tree, err := s.env.DB.Tree(d.Owner.Ctx, d.Project.ID)
	must(t, err)
	d.Act, d.Scene, d.Shot = firstShot(t, tree)
	return d
}

// firstShot returns the first shot of the tree with its act and scene.
func firstShot(t *testing.T, tree *slate.Tree) (*slate.TreeAct, *slate.TreeScene, *slate.Shot) {
	t.Helper()
	for _, a := range tree.Acts {
		for _, sc := range a.Scenes {
			if len(sc.Shots) > 0 {
				return a, sc, sc.Shots[0]
			}
		}
	}
	t.Fatal("the tree has no shot")
	return nil, nil, nil
}

// must fails the test at once on an error in its arrangements.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	must(t, err)
	return u
}

// q escapes a query value.
func q(s string) string { return url.QueryEscape(s) }
